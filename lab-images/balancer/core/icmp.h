/* icmp.h — ICMP "fragmentation needed" (type 3 code 4) back to the client
 * when an encapsulated packet would not fit the egress MTU (RFC 1191 path
 * MTU discovery; what Katran does for its IPIP/GUE encapsulation). The frame
 * is turned around in place: truncated to the original IPv4 header + 8
 * bytes, prefixed with a new IPv4 + ICMP header, MACs swapped, and sent back
 * out of the interface it came in on. Only for option-less IPv4 headers. */
#ifndef LB_ICMP_H
#define LB_ICMP_H

#include "csum.h"
#include "egress.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED  4
#define ICMP_QUOTE        (sizeof(struct iphdr) + 8)

struct icmp_too_big {
	struct iphdr ip;
	__u8 type;
	__u8 code;
	__u16 check;
	__u16 unused;
	__be16 mtu;
	__u8 quote[ICMP_QUOTE];
};

/* The verdict of the answer (counted icmp_too_big once it leaves), or
 * DROP_ICMP_FAIL when it cannot be built. */
static __noinline int send_icmp_too_big(struct lb_ctx *ctx, __u16 mtu)
{
	struct ethhdr eth;
	struct icmp_too_big m = {};

	if (ctx_load_bytes(ctx, 0, &eth, sizeof(eth)) ||
	    ctx_load_bytes(ctx, ETH_HLEN, m.quote, ICMP_QUOTE))
		return DROP_ICMP_FAIL;
	struct iphdr *orig = (struct iphdr *)m.quote;
	if (orig->ihl != 5)
		return DROP_ICMP_FAIL;

	m.type = ICMP_DEST_UNREACH;
	m.code = ICMP_FRAG_NEEDED;
	m.mtu = bpf_htons(mtu);
	__s64 c = bpf_csum_diff(0, 0, (__be32 *)&m.type, sizeof(m) - sizeof(m.ip), 0);
	if (c < 0)
		return DROP_ICMP_FAIL;
	m.check = (__u16)~csum_fold32((__u32)c);

	m.ip.version = 4;
	m.ip.ihl = 5;
	m.ip.tot_len = bpf_htons(sizeof(m));
	m.ip.ttl = 64;
	m.ip.protocol = IPPROTO_ICMP;
	m.ip.saddr = orig->daddr; /* the VIP answers */
	m.ip.daddr = orig->saddr;
	m.ip.check = ipv4_hdr_csum(&m.ip);

	/* eth + quote, then room for the new headers in front of the quote */
	if (ctx_set_len(ctx, ETH_HLEN + ICMP_QUOTE) ||
	    ctx_grow_mac(ctx, sizeof(m) - ICMP_QUOTE, 0))
		return DROP_ICMP_FAIL;

	struct l2_swap { __u8 dst[ETH_ALEN]; __u8 src[ETH_ALEN]; } l2;
	__builtin_memcpy(l2.dst, eth.h_source, ETH_ALEN);
	__builtin_memcpy(l2.src, eth.h_dest, ETH_ALEN);
	if (ctx_store_bytes(ctx, 0, &l2, sizeof(l2)) ||
	    ctx_store_bytes(ctx, ETH_HLEN, &m, sizeof(m)))
		return DROP_ICMP_FAIL;
	/* back out of the interface the packet came in on: it exists */
	return sent(CNT_ICMP_TOO_BIG, redirected(ctx_redirect(ctx, ctx_ifindex(ctx))));
}

#endif /* LB_ICMP_H */
