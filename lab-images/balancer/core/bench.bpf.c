/* bench.bpf.c — BPF_PROG_TEST_RUN benchmark harness (bench/core.ts), never
 * attached to an interface.
 *
 * test-run with `repeat N` runs the program N times on the SAME skb, so a
 * rewriting mode would see its own output from the second iteration on (nat:
 * a packet to the backend, tunnel: a packet growing 20 bytes per run). Each
 * wrapper therefore saves the first BENCH_HDR bytes, runs, and restores the
 * frame (shrinking it back after an encapsulation). bench_restore wraps a
 * bare TC_ACT_OK in the same save/restore, so the bench can subtract it.
 *   bench_lb       save + lb_process + restore
 *   bench_restore  save + TC_ACT_OK + restore
 *   bench_lb6, bench_restore6  the same for IPv6 frames (96 bytes saved)
 *   bench_flows, bench_flows_restore  N flows in turn (bench:scale), and
 *                  lb_gc, the sweep: bench_wrap.h, shared with bench_xdp.bpf.c
 *   lb_ingress     the balancer as attached in the lab (for idempotent dsr,
 *                  and for fresh-frame runs, where nothing needs restoring)
 *   flood          a new flow per run (below), for tests that need many
 *   ref_*          reference floors (below)
 */
/* see encap.h: the repeated skb must not be marked encapsulated */
#define LB_ENCAP_FLAGS 0
#define LB_ENCAP6_FLAGS 0
#include "lb_main.h"
#include "gc.h"
#include "bench_wrap.h"

SEC("tc")
int bench_lb(struct __sk_buff *skb)
{
	struct bench_hdr *buf = bench_slot();
	__u32 len0 = skb->len;
	if (!buf || !saved(skb, buf))
		return TC_ACT_SHOT;
	int v = lb_process(skb);
	if (!restored(skb, buf, len0))
		return BENCH_BROKEN;
	return v;
}

SEC("tc")
int bench_restore(struct __sk_buff *skb)
{
	struct bench_hdr *buf = bench_slot();
	__u32 len0 = skb->len;
	if (!buf || !saved(skb, buf))
		return TC_ACT_SHOT;
	if (!restored(skb, buf, len0))
		return BENCH_BROKEN;
	return TC_ACT_OK;
}

/* IPv6 frames: the same wrappers over the first BENCH_HDR6 bytes, which
 * hold Ethernet, IPv6 and TCP headers (the IPv4 ones keep their 64: their
 * rows stay as they were). An ip6ip6 encapsulation (+40) is undone at the
 * network layer as IPv4's: the kernel pops the bytes right after the first
 * 54 (Ethernet + the outer IPv6 header). */
#define BENCH_HDR6 96
struct bench_hdr6 {
	__u64 w[BENCH_HDR6 / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_hdr6);
} bench_buf6 SEC(".maps");

static __always_inline int saved6(struct __sk_buff *skb, struct bench_hdr6 *b)
{
	void *data, *data_end;
	ctx_data_ptrs(skb, data, data_end);
	if (data + BENCH_HDR6 > data_end)
		return 0;
	*b = *(struct bench_hdr6 *)data;
	return 1;
}

static __always_inline int restored6(struct __sk_buff *skb, struct bench_hdr6 *b, __u32 len0)
{
	if (skb->len > len0) {
		if (skb->len - len0 > BENCH_HDR6 - ETH_HLEN - 40 ||
		    bpf_skb_adjust_room(skb, -(__s32)(skb->len - len0), BPF_ADJ_ROOM_NET, 0))
			return 0;
	}
	void *data, *data_end;
	ctx_data_ptrs(skb, data, data_end);
	if (data + BENCH_HDR6 > data_end)
		return 0;
	*(struct bench_hdr6 *)data = *b;
	return 1;
}

SEC("tc")
int bench_lb6(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct bench_hdr6 *buf = bpf_map_lookup_elem(&bench_buf6, &zero);
	__u32 len0 = skb->len;
	if (!buf || !saved6(skb, buf))
		return TC_ACT_SHOT;
	int v = lb_process(skb);
	if (!restored6(skb, buf, len0))
		return BENCH_BROKEN;
	return v;
}

SEC("tc")
int bench_restore6(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct bench_hdr6 *buf = bpf_map_lookup_elem(&bench_buf6, &zero);
	__u32 len0 = skb->len;
	if (!buf || !saved6(skb, buf))
		return TC_ACT_SHOT;
	if (!restored6(skb, buf, len0))
		return BENCH_BROKEN;
	return TC_ACT_OK;
}

SEC("tc")
int lb_ingress(struct __sk_buff *skb)
{
	return lb_process(skb);
}

/* flood: each run (test-run `repeat` N) is a packet of another flow: run n
 * rewrites the frame's source port to FLOOD_PORT0 + n % FLOOD_PORTS and adds
 * n / FLOOD_PORTS to its source address (n counts on in flood_ctr across
 * runs; the test resets it), then lb_process, then the frame is restored.
 * Checksums are left as they are: the balancer never verifies them, only
 * updates them. Needs an option-less IPv4 header. */
#define FLOOD_PORT0 1024
#define FLOOD_PORTS 60000

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} flood_ctr SEC(".maps");

SEC("tc")
int flood(struct __sk_buff *skb)
{
	struct bench_hdr *buf = bench_slot();
	__u32 len0 = skb->len, zero = 0;
	__u32 *c = bpf_map_lookup_elem(&flood_ctr, &zero);
	if (!c || !buf || !saved(skb, buf))
		return TC_ACT_SHOT;
	__u32 n = (*c)++;
	void *data, *data_end;
	ctx_data_ptrs(skb, data, data_end);
	if (data + ETH_HLEN + sizeof(struct iphdr) + 4 > data_end)
		return TC_ACT_SHOT;
	struct iphdr *ip = data + ETH_HLEN;
	__be16 *sport = data + ETH_HLEN + sizeof(struct iphdr);
	ip->saddr = bpf_htonl(bpf_ntohl(ip->saddr) + n / FLOOD_PORTS);
	*sport = bpf_htons(FLOOD_PORT0 + n % FLOOD_PORTS);
	int v = lb_process(skb);
	if (!restored(skb, buf, len0))
		return BENCH_BROKEN;
	return v;
}

char _license[] SEC("license") = "GPL";

/* Reference floors for the table (bench/core.ts): what the pipeline costs
 * before any balancing — parsing; parsing plus the shared lb_flows hash
 * lookup (what an established packet cost before flow_cache.h, and still
 * costs on a cache miss); parsing plus the per-CPU flow cache probe that an
 * established packet costs now. */
SEC("tc")
int ref_parse(struct __sk_buff *skb)
{
	struct pkt p;
	return parse_pkt(skb, &p) == 0 && p.is_ipv4 ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int ref_lookup(struct __sk_buff *skb)
{
	struct pkt p;
	struct flow_key k;
	if (parse_pkt(skb, &p) || !p.is_ipv4)
		return TC_ACT_SHOT;
	flow_key_of(&p, &k);
	return bpf_map_lookup_elem(&lb_flows, &k) ? TC_ACT_OK : TC_ACT_SHOT;
}

/* Parse and probe this CPU's flow cache; the first run on a CPU copies the
 * entry from lb_flows, as lb_process would. Found? */
static __always_inline int probed(struct __sk_buff *skb, struct pkt *p)
{
	struct flow_key k;
	struct fc_words w;
	if (parse_pkt(skb, p) || !p->is_ipv4)
		return 0;
	flow_key_of(p, &k);
	fc_words_of(&k, &w);
	struct flow_cache_slot *s = fc_slot(&w);
	if (fc_hit(s, &w))
		return 1;
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &k);
	if (!v)
		return 0;
	flow_cache_put(s, &w, v, fc_epoch());
	return 1;
}

SEC("tc")
int ref_cache(struct __sk_buff *skb)
{
	struct pkt p;
	return probed(skb, &p) ? TC_ACT_OK : TC_ACT_SHOT;
}

/* What some modes add, each measured alone on top of parse + cache probe
 * (idempotent, so no wrapper):
 *   ref_csum    one L4 checksum update as the modes do it (csum.h, a zero
 *               difference: the checksum stays): nat rewrites one L4
 *               checksum per packet, snat two (one when PARTIAL).
 *   ref_encap   bpf_skb_adjust_room +20 at the MAC layer (the room IPIP
 *               needs, as encap.h opens it), inside the bench wrapper like a
 *               tunnel run: restored() gives the 20 bytes back.
 *   ref_encap2  the same +20 twice, given back at once (-40): the difference
 *               to ref_encap is one +20 (the give-back costs the same for 20
 *               or 40 bytes: the kernel moves the 34 bytes in front either
 *               way), which splits ref_encap into the room and the give-back.
 * Fresh-frame only (bench/core.ts runFresh: a new skb every run, nothing to
 * give back), the two ways a tc program can open 20 bytes in front:
 *   ref_grow_adj   bpf_skb_adjust_room +20 at the MAC layer, encap flags
 *   ref_grow_head  bpf_skb_change_head +20 (moves the MAC header only) */
SEC("tc")
int ref_csum(struct __sk_buff *skb)
{
	struct pkt p;
	if (!probed(skb, &p) || p.proto != IPPROTO_TCP)
		return TC_ACT_SHOT;
	if (l4_csum_update(skb, p.proto, p.l4off, 0, 1) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int ref_encap(struct __sk_buff *skb)
{
	struct bench_hdr *buf = bench_slot();
	struct pkt p;
	__u32 len0 = skb->len;
	if (!buf || !saved(skb, buf) || !probed(skb, &p))
		return TC_ACT_SHOT;
	if (bpf_skb_adjust_room(skb, sizeof(struct iphdr), BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	return restored(skb, buf, len0) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int ref_encap2(struct __sk_buff *skb)
{
	struct bench_hdr *buf = bench_slot();
	struct pkt p;
	__u32 len0 = skb->len;
	if (!buf || !saved(skb, buf) || !probed(skb, &p))
		return TC_ACT_SHOT;
	if (bpf_skb_adjust_room(skb, sizeof(struct iphdr), BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_adjust_room(skb, sizeof(struct iphdr), BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	return restored(skb, buf, len0) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int ref_grow_adj(struct __sk_buff *skb)
{
	struct pkt p;
	if (!probed(skb, &p))
		return TC_ACT_SHOT;
	if (bpf_skb_adjust_room(skb, sizeof(struct iphdr), BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int ref_grow_head(struct __sk_buff *skb)
{
	struct pkt p;
	if (!probed(skb, &p))
		return TC_ACT_SHOT;
	if (bpf_skb_change_head(skb, sizeof(struct iphdr), 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}
