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
 *   lb_ingress     the balancer as attached in the lab (for idempotent dsr)
 *   ref_parse, ref_lookup  reference floors (below)
 */
/* see encap.h: the repeated skb must not be marked encapsulated */
#define LB_ENCAP_FLAGS 0
#include "lb_main.h"

#define BENCH_HDR 64

static __always_inline int restore(struct __sk_buff *skb, __u8 *buf, __u32 len0)
{
	if (skb->len > len0) {
		if (bpf_skb_adjust_room(skb, -(__s32)(skb->len - len0), BPF_ADJ_ROOM_MAC, 0))
			return -1;
	}
	return bpf_skb_store_bytes(skb, 0, buf, BENCH_HDR, 0);
}

SEC("tc")
int bench_lb(struct __sk_buff *skb)
{
	__u8 buf[BENCH_HDR];
	__u32 len0 = skb->len;
	if (bpf_skb_load_bytes(skb, 0, buf, BENCH_HDR))
		return TC_ACT_SHOT;
	int v = lb_process(skb);
	if (restore(skb, buf, len0))
		return -1;
	return v;
}

SEC("tc")
int bench_restore(struct __sk_buff *skb)
{
	__u8 buf[BENCH_HDR];
	__u32 len0 = skb->len;
	if (bpf_skb_load_bytes(skb, 0, buf, BENCH_HDR))
		return TC_ACT_SHOT;
	if (restore(skb, buf, len0))
		return -1;
	return TC_ACT_OK;
}

SEC("tc")
int lb_ingress(struct __sk_buff *skb)
{
	return lb_process(skb);
}

char _license[] SEC("license") = "GPL";

/* Reference floors for the table (bench/core.ts): what the pipeline costs
 * before any balancing — parsing, and parsing plus the one hash lookup an
 * established flow needs. No stateful balancer can go below the second. */
SEC("tc")
int ref_parse(struct __sk_buff *skb)
{
	struct pkt p;
	return parse_pkt(skb, &p) == P_OK ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int ref_lookup(struct __sk_buff *skb)
{
	struct pkt p;
	struct flow_key k;
	if (parse_pkt(skb, &p) != P_OK)
		return TC_ACT_SHOT;
	flow_key_of(&p, &k);
	return bpf_map_lookup_elem(&lb_flows, &k) ? TC_ACT_OK : TC_ACT_SHOT;
}
