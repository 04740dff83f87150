/* encap.h — IPv4-in-IPv4 (IP protocol 4, RFC 2003) encapsulation.
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

#include "csum.h"
#include "parse.h"
#include "stats.h"

/* ENCAP_L3_IPV4 marks the skb as encapsulated (inner header offsets), which
 * GSO packets need to be segmented correctly. bench.bpf.c overrides it with
 * 0 because test-run's `repeat` re-encapsulates the same ctx, and the kernel
 * refuses to encapsulate an skb already marked (-EALREADY). */
#ifndef LB_ENCAP_FLAGS
#define LB_ENCAP_FLAGS BPF_F_ADJ_ROOM_ENCAP_L3_IPV4
#endif

#define IPIP_TTL 64

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

#endif /* LB_ENCAP_H */
