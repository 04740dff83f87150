/* egress.h — sending a rewritten frame on toward its next hop.
 *
 * Two ways, chosen per backend by the control plane:
 *  - BE_F_L2: the backend entry carries egress ifindex, our MAC and the
 *    next-hop MAC (always the case in dsr, where the backend's MAC is the
 *    point). Deterministic, and what the golden tests exercise.
 *  - otherwise: bpf_fib_lookup() in the balancer's namespace; on success we
 *    write the MACs it returns and redirect; when the neighbour is not yet
 *    resolved we let the kernel resolve it (to_neighbour: tc's
 *    bpf_redirect_neigh; at XDP, the stack).
 * The source MAC is always the egress interface's own: re-sending a frame
 * with the client's source MAC would teach the bridge that the client lives
 * behind the balancer's port.
 */
#ifndef LB_EGRESS_H
#define LB_EGRESS_H

#include "stats.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Written in place (direct packet access), not with bpf_skb_store_bytes: a
 * helper call per packet less. Pointers are re-read: a helper before us
 * (checksum, adjust_room) may have moved the data. 0, or DROP_REWRITE_FAIL. */
static __always_inline int set_macs(struct lb_ctx *ctx, const __u8 *dst, const __u8 *src)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return DROP_REWRITE_FAIL;
	mac_copy(eth->h_dest, dst);
	mac_copy(eth->h_source, src);
	return 0;
}

/* A redirect helper's answer as a step's result: CTX_REDIRECT (CTX_TX at XDP
 * out of the ingress interface, ctx.h ctx_redirect), or DROP_REDIRECT_FAIL
 * when it refused, so that drop is counted
 * like any other instead of leaving the program uncounted. */
static __always_inline int redirected(long v)
{
	if (LB_HOOK_XDP && v == CTX_TX)
		return CTX_TX;
	return v == CTX_REDIRECT ? CTX_REDIRECT : DROP_REDIRECT_FAIL;
}

/* The FIB knows the route but not the next hop's MAC: the kernel resolves
 * it (ARP, neighbour discovery). tc: bpf_redirect_neigh transmits once it
 * has; XDP: the (rewritten) frame goes to the stack, which forwards it
 * (LB_PASS, XDP_PASS). Counted redirect_neigh at both hooks. */
static __always_inline int to_neighbour(struct lb_ctx *ctx, __u32 ifindex)
{
	count(CNT_REDIRECT_NEIGH);
	if (LB_HOOK_XDP)
		return LB_PASS;
	return redirected(ctx_redirect_neigh(ctx, ifindex));
}

/* Redirect out of an interface the maps name (a backend's L2 entry, written
 * by the control plane; a reply entry's, learned from its request): it may
 * be gone since. bpf_redirect does not look (the kernel drops the packet
 * after us when the index names no device), so look first:
 * bpf_check_mtu finds the device by its index or says -ENODEV (its MTU
 * verdict, positive, is not ours to act on here; index 0 would mean the
 * device the packet is on, never what a map meant). At XDP the interface
 * the frame came in on needs no look: it exists, and XDP_TX sends there.
 * CTX_REDIRECT (CTX_TX) or DROP_REDIRECT_FAIL. */
static __always_inline int redirect_to(struct lb_ctx *ctx, __u32 ifindex)
{
	__u32 mtu = 0;
	if (LB_HOOK_XDP && ifindex && ifindex == ctx_ifindex(ctx))
		return CTX_TX;
	if (!ifindex || bpf_check_mtu(ctx, ifindex, &mtu, 0, 0) < 0)
		return DROP_REDIRECT_FAIL;
	return redirected(ctx_redirect(ctx, ifindex));
}

/* Ask the FIB (the lookup struct filled by the caller, for either family)
 * and send as it answers: MACs and redirect, the kernel's neighbour
 * resolution (ARP or ND) when it has no entry yet, else DROP_FIB_FAIL. */
static __always_inline int fib_send(struct lb_ctx *ctx, struct bpf_fib_lookup *fib)
{
	fib->ifindex = ctx_ifindex(ctx);
	count(CNT_FIB_LOOKUP);
	long rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		int r = set_macs(ctx, fib->dmac, fib->smac);
		if (r < 0)
			return r;
		return redirected(ctx_redirect(ctx, fib->ifindex));
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return to_neighbour(ctx, fib->ifindex);
	return DROP_FIB_FAIL;
}

/* fib_lookup toward dst, then redirect out of the interface it names (which
 * exists: the FIB just found it). A TC verdict; DROP_FIB_FAIL when the
 * kernel has no forwarding answer (the caller decides: drop, or hand to the
 * stack), or the drop of the MAC rewrite or the redirect. Not inlined: its
 * 64-byte lookup struct stays off the stack of the pipeline (which the L2
 * next hop serves without it). */
static __noinline int fib_redirect(struct lb_ctx *ctx, __be32 src, __be32 dst, __u8 proto,
					__u16 tot_len)
{
	struct bpf_fib_lookup fib = {};
	fib.family = AF_INET;
	fib.l4_protocol = proto;
	fib.tot_len = tot_len;
	fib.ipv4_src = src;
	fib.ipv4_dst = dst;
	return fib_send(ctx, &fib);
}

/* fib_redirect for an IPv6 destination (the IPv6 pipeline's backends and
 * replies; an IPv4 packet wrapped in IPv6, encap.h). */
static __noinline int fib_redirect6(struct lb_ctx *ctx, const struct addr6 *src, const struct addr6 *dst,
				    __u8 proto, __u16 tot_len)
{
	struct bpf_fib_lookup fib = {};
	fib.family = AF_INET6;
	fib.l4_protocol = proto;
	fib.tot_len = tot_len;
	__builtin_memcpy(fib.ipv6_src, src, 16);
	__builtin_memcpy(fib.ipv6_dst, dst, 16);
	return fib_send(ctx, &fib);
}

/* Out to the backend's L2 next hop, as the control plane wrote it (its MAC
 * and ours, the interface): the same for every family and encapsulation. */
static __always_inline int to_l2_next_hop(struct lb_ctx *ctx, struct backend *be)
{
	int r = set_macs(ctx, be->nh_mac, be->src_mac);
	if (r < 0)
		return r;
	return redirect_to(ctx, be->ifindex);
}

/* Send toward a backend (forward direction of every mode): CTX_REDIRECT,
 * or a drop (DROP_REWRITE_FAIL, DROP_REDIRECT_FAIL, DROP_FIB_FAIL). */
static __always_inline int egress_backend(struct lb_ctx *ctx, struct backend *be, __be32 src,
					  __u8 proto, __u16 tot_len)
{
	if (be->flags & BE_F_L2)
		return to_l2_next_hop(ctx, be);
	return fib_redirect(ctx, src, be->addr, proto, tot_len);
}

/* Send a reply toward its client (nat/snat replies, translated ICMP errors):
 * out of the interface the client's request came in on, to the MAC that sent
 * it, when the flow learned them; else by fib lookup. CTX_REDIRECT (CTX_TX); with
 * no forwarding answer the stack gets the packet (LB_PASS); or a drop. */
static __always_inline int egress_client(struct lb_ctx *ctx, __u32 ifindex, const __u8 *l2_dst,
					 const __u8 *l2_src, __be32 src, __be32 dst, __u8 proto,
					 __u16 tot_len)
{
	if (ifindex) {
		int r = set_macs(ctx, l2_dst, l2_src);
		if (r < 0)
			return r;
		return redirect_to(ctx, ifindex);
	}
	int v = fib_redirect(ctx, src, dst, proto, tot_len);
	return v == DROP_FIB_FAIL ? LB_PASS : v;
}

#endif /* LB_EGRESS_H */
