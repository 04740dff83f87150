/* encap.h — IPv4-in-IPv4 (IP protocol 4, RFC 2003) encapsulation, and
 * IPv4-in-IPv6 (next header 4, RFC 2473: "4in6") for the backends of a
 * tunnel service reached over IPv6 (BE_F_TUNNEL6, below).
 *
 * ctx_grow_mac (ctx.h: tc's adjust_room(BPF_ADJ_ROOM_MAC), XDP's adjust_head)
 * opens 20 bytes between the Ethernet
 * header and the inner IPv4 header; we then write a fresh outer header:
 * src = our address on the egress network, dst = the backend, TTL 64, TOS and
 * DF copied from the inner header, id copied (deterministic), checksum
 * computed over the 20 bytes. The MTU toward backends must allow 20 more
 * bytes (the engine lowers the VIP MSS / server MTU accordingly).
 */
#ifndef LB_ENCAP_H
#define LB_ENCAP_H

#include <linux/ipv6.h>
#include "csum.h"
#include "parse.h"
#include "stats.h"
#include "egress.h"

/* ENCAP_L3_IPV4 marks the skb as encapsulated (inner header offsets), which
 * GSO packets need to be segmented correctly. bench.bpf.c overrides it with
 * 0 because test-run's `repeat` re-encapsulates the same ctx, and the kernel
 * refuses to encapsulate an skb already marked (-EALREADY). */
#ifndef LB_ENCAP_FLAGS
#define LB_ENCAP_FLAGS BPF_F_ADJ_ROOM_ENCAP_L3_IPV4
#endif

/* BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 marks the skb encapsulated (GSO: an IPv6
 * outer, SKB_GSO_IPXIP6) and, on an IPv4 skb, makes its protocol IPv6
 * (Linux >= 6.3), which the stack and GSO go by once the outer header is
 * IPv6: no bpf_skb_change_proto needed (it would insert 20 bytes at the
 * network header and retype a GSO packet's inner protocol). bench.bpf.c
 * overrides it with 0, as LB_ENCAP_FLAGS. */
#ifndef LB_ENCAP6_FLAGS
#define LB_ENCAP6_FLAGS BPF_F_ADJ_ROOM_ENCAP_L3_IPV6
#endif

#define IPIP_TTL 64
#define IP4IN6_HOPS 64
#define IP4IN6_HLEN 40 /* sizeof(struct ipv6hdr): the overhead of 4in6 */

/* 0, or DROP_TRUNCATED / DROP_ADJUST_FAIL. */
static __always_inline int ipip_encap(struct lb_ctx *ctx, __be32 src, __be32 dst, __u16 inner_len)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct iphdr *inner = data + ETH_HLEN;
	if ((void *)(inner + 1) > data_end)
		return DROP_TRUNCATED; /* for the verifier: parse_pkt has seen it */

	struct iphdr outer = {};
	outer.version = 4;
	outer.ihl = 5;
	outer.tos = inner->tos;
	outer.tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer.id = inner->id;
	outer.frag_off = inner->frag_off & bpf_htons(IP_DF);
	outer.ttl = IPIP_TTL;
	outer.protocol = IPPROTO_IPIP;
	outer.saddr = src;
	outer.daddr = dst;
	outer.check = ipv4_hdr_csum(&outer);

	if (ctx_grow_mac(ctx, sizeof(struct iphdr), LB_ENCAP_FLAGS))
		return DROP_ADJUST_FAIL;
	/* written in place: the new bytes are linear, after the MACs */
	ctx_data_ptrs(ctx, data, data_end);
	struct iphdr *o = data + ETH_HLEN;
	if ((void *)(o + 1) > data_end)
		return DROP_ADJUST_FAIL;
	*o = outer;
	return 0;
}

/* 4in6: a fresh outer IPv6 header in front of the IPv4 packet, from our
 * IPv6 address toward the backend to its IPv6 address (b6, lb_backends6),
 * next header 4, hop limit 64, traffic class = the inner TOS, flow label 0
 * (as Katran's encap_v6 for an IPv4 packet: there is no inner label to
 * copy), and the frame's ethertype becomes IPv6. The outer header is
 * written in place (no 40 bytes on the stack, which the pipeline's frames
 * share). 0, or DROP_TRUNCATED / DROP_ADJUST_FAIL. */
static __always_inline int ip4in6_encap(struct lb_ctx *ctx, const struct backend6 *b6, __u16 inner_len)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct iphdr *inner = data + ETH_HLEN;
	if ((void *)(inner + 1) > data_end)
		return DROP_TRUNCATED; /* for the verifier: parse_pkt has seen it */
	__u8 tos = inner->tos;
	if (ctx_grow_mac(ctx, IP4IN6_HLEN, LB_ENCAP6_FLAGS))
		return DROP_ADJUST_FAIL;
	ctx_data_ptrs(ctx, data, data_end);
	struct ethhdr *eth = data;
	struct ipv6hdr *o = data + ETH_HLEN;
	if ((void *)(o + 1) > data_end)
		return DROP_ADJUST_FAIL;
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	*(__be32 *)o = bpf_htonl(0x60000000 | ((__u32)tos << 20));
	o->payload_len = bpf_htons(inner_len);
	o->nexthdr = IPPROTO_IPIP;
	o->hop_limit = IP4IN6_HOPS;
	__builtin_memcpy(&o->saddr, &b6->src_addr, 16);
	__builtin_memcpy(&o->daddr, &b6->addr, 16);
	return 0;
}

/* Send a 4in6 frame toward backend be (its IPv6 addresses b6): its L2 next
 * hop when the control plane wrote one (the same host as for IPv4), else an
 * IPv6 fib lookup. As egress_backend. */
static __always_inline int egress_backend46(struct lb_ctx *ctx, struct backend *be, const struct backend6 *b6,
					    __u16 tot_len)
{
	if (be->flags & BE_F_L2)
		return to_l2_next_hop(ctx, be);
	return fib_redirect6(ctx, &b6->src_addr, &b6->addr, IPPROTO_IPIP, tot_len);
}

/* Backend id's IPv6 addresses for 4in6, or NULL (never, for an id in range:
 * checked for the verifier). */
static __always_inline struct backend6 *tunnel6_of(__u32 id)
{
	return bpf_map_lookup_elem(&lb_backends6, &id);
}

#endif /* LB_ENCAP_H */
