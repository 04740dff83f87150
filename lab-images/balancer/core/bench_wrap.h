/* bench_wrap.h — the test-run wrappers bench:scale measures, one source for
 * both hooks: bench.bpf.c (tc) and bench_xdp.bpf.c (XDP, -DLB_XDP through
 * ctx.h), so the two curves differ only in the hook.
 *
 * test-run with `repeat N` runs the program N times on the SAME frame (an
 * skb at tc, an xdp_buff at XDP), so a rewriting mode would see its own
 * output from the second iteration on. Each wrapper saves the first
 * BENCH_HDR bytes, runs, and restores the frame (giving back what an
 * encapsulation added):
 *   bench_flows          save + the next of N flows' source address +
 *                        lb_process + restore: repeat cycles through N flows
 *   bench_flows_restore  the same without lb_process, subtracted
 *   lb_gc                the sweep (gc.h), as in the product's objects
 * Include after lb_main.h and gc.h. */
#ifndef LB_BENCH_WRAP_H
#define LB_BENCH_WRAP_H

#ifdef LB_XDP
#define BENCH_SEC SEC("xdp")
/* a wrapper that could not give the frame back: XDP_ABORTED, which the
 * pipeline never returns (ctx.h ctx_verdict) */
#define BENCH_BROKEN XDP_ABORTED
#define BENCH_OK XDP_PASS
#else
#define BENCH_SEC SEC("tc")
/* TC_ACT_UNSPEC, which the pipeline never returns (lb_main.h), so the bench,
 * which checks every run's verdict, sees it */
#define BENCH_BROKEN TC_ACT_UNSPEC
#define BENCH_OK TC_ACT_OK
#endif

#define BENCH_HDR 64

/* The first BENCH_HDR bytes, copied with direct packet access (eight 64-bit
 * loads or stores) rather than a load/store helper: the smaller the wrapper,
 * the less its subtraction can be off. */
struct bench_hdr {
	__u64 w[BENCH_HDR / 8];
};

/* The saved bytes live in a per-CPU slot, not on the stack: the pipeline's
 * stack and the wrapper's must fit the verifier's 512 bytes together. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_hdr);
} bench_buf SEC(".maps");

static __always_inline struct bench_hdr *bench_slot(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&bench_buf, &zero);
}

/* Saved the frame's first bytes? (Not when it is shorter.) */
static __always_inline int saved(struct lb_ctx *ctx, struct bench_hdr *b)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	if (data + BENCH_HDR > data_end)
		return 0;
	*b = *(struct bench_hdr *)data;
	return 1;
}

/* Undo an encapsulation and write the first bytes back.
 * tc: remove the extra bytes at the network layer (right after the first 20
 * bytes of IP header), not at the MAC layer where the tunnel opened them.
 * Either leaves the frame's tail where it was, and the first BENCH_HDR bytes
 * are written back anyway; but a MAC-layer shrink cost ~40 ns more here
 * (perf: the kernel's memmove of 14 bytes 20 ahead, slow with fast short rep
 * movsb; see server/decap), which the tunnel row then carried as harness
 * overhead.
 * XDP: the front moves back (bpf_xdp_adjust_head), no copy at all. */
static __always_inline int restored(struct lb_ctx *ctx, struct bench_hdr *b, __u32 len0)
{
	__u32 len = ctx_len(ctx);
	if (len > len0) {
		if (len - len0 > BENCH_HDR - ETH_HLEN)
			return 0;
#ifdef LB_XDP
		if (bpf_xdp_adjust_head(ctx, (int)(len - len0)))
			return 0;
#else
		/* the kernel pops the bytes right after off = the first 34
		 * (Ethernet + 20 of IP) */
		if (bpf_skb_adjust_room(ctx, -(__s32)(len - len0), BPF_ADJ_ROOM_NET, 0))
			return 0;
#endif
	}
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	if (data + BENCH_HDR > data_end)
		return 0;
	*(struct bench_hdr *)data = *b;
	return 1;
}

/* bench:scale's many flows: flow i of n has source address base + i (host
 * order), i = the run's number mod n. The bench writes n and base (and
 * resets i) in this CPU-local counter before each test-run. */
struct bench_flow_ctl {
	__u32 n;
	__u32 i;
	__u32 base;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct bench_flow_ctl);
	__uint(max_entries, 1);
} bench_flow_ctl SEC(".maps");

/* Wrote the next flow's source address? (Not without flows, or room.) */
static __always_inline int next_flow(struct lb_ctx *ctx)
{
	__u32 zero = 0;
	struct bench_flow_ctl *c = bpf_map_lookup_elem(&bench_flow_ctl, &zero);
	if (!c || !c->n)
		return 0;
	__u32 i = c->i;
	c->i = i + 1 >= c->n ? 0 : i + 1;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct iphdr *ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return 0;
	ip->saddr = bpf_htonl(c->base + i);
	return 1;
}

BENCH_SEC
int bench_flows(struct lb_ctx *ctx)
{
	struct bench_hdr *buf = bench_slot();
	__u32 len0 = ctx_len(ctx);
	if (!buf || !saved(ctx, buf) || !next_flow(ctx))
		return CTX_DROP;
	int v = ctx_verdict(lb_process(ctx));
	if (!restored(ctx, buf, len0))
		return BENCH_BROKEN;
	return v;
}

BENCH_SEC
int bench_flows_restore(struct lb_ctx *ctx)
{
	struct bench_hdr *buf = bench_slot();
	__u32 len0 = ctx_len(ctx);
	if (!buf || !saved(ctx, buf) || !next_flow(ctx))
		return CTX_DROP;
	if (!restored(ctx, buf, len0))
		return BENCH_BROKEN;
	return BENCH_OK;
}

BENCH_SEC
int lb_gc(struct lb_ctx *ctx)
{
	return ctx_verdict(lb_sweep());
}

#endif /* LB_BENCH_WRAP_H */
