/* katran-wrap.bpf.c — Katran's XDP balancer, run beside ours by bench:core
 * as a peer. Our code only: Katran's sources are not in this repository;
 * the bench compiles this file at run time with -I pointing at a folder
 * holding them (katran.ts), so the object links their balancer.bpf.c in.
 *
 * test-run with `repeat` runs a program on the same XDP buffer and does not
 * reset it: after Katran's first encapsulation the later runs would see the
 * encapsulated packet. Each wrapper below therefore checks the frame it is
 * given against the original (kept in kb_golden by the loader), runs, gives
 * the room back with bpf_xdp_adjust_head and writes the original first
 * KB_HDR bytes back, then counts the run in kb_check: [2n] runs whose input
 * was intact and whose verdict was XDP_TX, [2n+1] all runs, n per program.
 *   katran_wrapped  check + balancer_ingress + restore
 *   katran_restore  check + restore: the wrapper alone, subtracted
 *   katran_ref_adj  check + adjust_head -20 + restore: XDP's room, for
 *                   comparison with the tc hook's adjust_room
 *   xdp_pass        XDP_PASS: the XDP hook's baseline
 * and for fresh-frame runs (a new buffer every run: nothing to restore):
 *   katran_flows    check + the next of N flows' source address +
 *                   balancer_ingress + restore: repeat cycles through N
 *                   flows (bench:scale; kb_flow_ctl as bench.bpf.c's
 *                   bench_flow_ctl), counted as katran_wrapped's slot 3
 *   katran_flows_restore  the same without balancer_ingress, subtracted
 *   katran_bare     balancer_ingress alone
 *   xdp_ref_grow    bpf_xdp_adjust_head -20: the room at the XDP hook
 */
#define PROG_SEC_NAME ".text"
#include "katran/lib/bpf/balancer.bpf.c"

#define KB_HDR 64

struct kb_golden {
	__u64 w[KB_HDR / 8];
	__u32 len;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct kb_golden);
	__uint(max_entries, 1);
} kb_golden SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} kb_check SEC(".maps");

/* The frame is the original: same length, same first KB_HDR bytes (the
 * encapsulation only ever touches those, and the length). */
static __always_inline int kb_intact(struct xdp_md *ctx, struct kb_golden *g)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + KB_HDR > end || (__u32)(end - data) != g->len)
		return 0;
	__u64 *w = data;
	__u64 d = 0;
#pragma unroll
	for (int i = 0; i < KB_HDR / 8; i++)
		d |= w[i] ^ g->w[i];
	return d == 0;
}

/* Give the encapsulation's room back and write the original header. */
static __always_inline int kb_restore(struct xdp_md *ctx, struct kb_golden *g)
{
	long len = (long)ctx->data_end - (long)ctx->data;
	if (len > (long)g->len && bpf_xdp_adjust_head(ctx, (int)(len - g->len)))
		return -1;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + KB_HDR > end)
		return -1;
	__u64 *w = data;
#pragma unroll
	for (int i = 0; i < KB_HDR / 8; i++)
		w[i] = g->w[i];
	return 0;
}

static __always_inline void kb_count(__u32 slot, int ok)
{
	__u32 k = slot * 2;
	__u64 *c = bpf_map_lookup_elem(&kb_check, &k);
	if (c && ok)
		*c += 1;
	k++;
	c = bpf_map_lookup_elem(&kb_check, &k);
	if (c)
		*c += 1;
}

SEC("xdp")
int katran_wrapped(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_golden *g = bpf_map_lookup_elem(&kb_golden, &zero);
	if (!g)
		return XDP_ABORTED;
	int ok = kb_intact(ctx, g);
	int v = balancer_ingress(ctx);
	if (kb_restore(ctx, g))
		return XDP_ABORTED;
	kb_count(0, ok && v == XDP_TX);
	return v;
}

SEC("xdp")
int katran_restore(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_golden *g = bpf_map_lookup_elem(&kb_golden, &zero);
	if (!g)
		return XDP_ABORTED;
	int ok = kb_intact(ctx, g);
	if (kb_restore(ctx, g))
		return XDP_ABORTED;
	kb_count(1, ok);
	return XDP_TX;
}

SEC("xdp")
int katran_ref_adj(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_golden *g = bpf_map_lookup_elem(&kb_golden, &zero);
	if (!g)
		return XDP_ABORTED;
	int ok = kb_intact(ctx, g);
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	if (kb_restore(ctx, g))
		return XDP_ABORTED;
	kb_count(2, ok);
	return XDP_TX;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int katran_bare(struct xdp_md *ctx)
{
	return balancer_ingress(ctx);
}

SEC("xdp")
int xdp_ref_grow(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)) ? XDP_ABORTED : XDP_TX;
}

/* bench:scale's many flows: flow i of n has source address base + i (host
 * order), i = the run's number mod n. */
struct kb_flow_ctl {
	__u32 n;
	__u32 i;
	__u32 base;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct kb_flow_ctl);
	__uint(max_entries, 1);
} kb_flow_ctl SEC(".maps");

static __always_inline int kb_next_flow(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_flow_ctl *c = bpf_map_lookup_elem(&kb_flow_ctl, &zero);
	if (!c || !c->n)
		return 0;
	__u32 i = c->i;
	c->i = i + 1 >= c->n ? 0 : i + 1;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return 0;
	ip->saddr = bpf_htonl(c->base + i);
	return 1;
}

SEC("xdp")
int katran_flows(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_golden *g = bpf_map_lookup_elem(&kb_golden, &zero);
	if (!g)
		return XDP_ABORTED;
	int ok = kb_intact(ctx, g);
	if (!kb_next_flow(ctx))
		return XDP_ABORTED;
	int v = balancer_ingress(ctx);
	if (kb_restore(ctx, g))
		return XDP_ABORTED;
	kb_count(3, ok && v == XDP_TX);
	return v;
}

SEC("xdp")
int katran_flows_restore(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct kb_golden *g = bpf_map_lookup_elem(&kb_golden, &zero);
	if (!g)
		return XDP_ABORTED;
	int ok = kb_intact(ctx, g);
	if (!kb_next_flow(ctx))
		return XDP_ABORTED;
	if (kb_restore(ctx, g))
		return XDP_ABORTED;
	kb_count(3, ok);
	return XDP_TX;
}
