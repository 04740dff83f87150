/* parse6.h — bounds-checked parsing of Ethernet / IPv6 (extension headers
 * walked) / TCP / UDP, the IPv6 twin of parse.h.
 *
 * Extension headers: hop-by-hop (first only, RFC 8200 4.1), routing,
 * destination options and fragment are walked, at most EXT6_MAX of them and
 * EXT6_BYTES bytes in all (so the L4 header sits at a bounded offset, as
 * IPv4's options let it); anything else before the upper-layer header (AH,
 * ESP, mobility, an unknown one) or a longer chain is `ext_refused`: the
 * pipeline drops it when it is for a VIP (ext_header), passes it otherwise.
 * The fixed header is read in place; extension headers (rare) with
 * bpf_skb_load_bytes. A jumbogram (payload length 0) is bad_ip.
 */
#ifndef LB_PARSE6_H
#define LB_PARSE6_H

#include <linux/ipv6.h>
#include "helpers.h"
#include "abi.h"

#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif

#define NEXTHDR_HOP      0
#define NEXTHDR_IPV6     41
#define NEXTHDR_ROUTING  43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST     60
#define NEXTHDR_ICMPV6   58

#define EXT6_MAX   6   /* extension headers followed */
#define EXT6_BYTES 128 /* their bytes in all: l4off <= 14 + 40 + 128 */

/* IPv6 fragment header frag_off (host order): offset in 8-byte units << 3, M bit. */
#define IP6_MF     0x0001
#define IP6_OFFSET 0xfff8

struct pkt6 {
	__u32 l4off;       /* offset of the L4 header from the frame start */
	__u8 proto;        /* upper-layer protocol (after the extension headers) */
	__u8 l4;           /* proto when its TCP/UDP header is here, else 0 */
	__u8 tcp_flags;
	__u8 is_frag;      /* a fragment header: M set or offset != 0 */
	__u8 frag_later;   /* offset != 0: no L4 header, ports from lb_frags6 */
	__u8 has_ext;      /* extension headers walked */
	__u8 ext_refused;  /* a header not walked, or too long a chain */
	__u8 l4hlen;
	__be32 frag_id;    /* fragment header identification */
	struct addr6 saddr;
	struct addr6 daddr;
	__be16 sport;
	__be16 dport;
	__u16 plen;        /* payload length (host order): bytes after the fixed header */
};

/* Headers we may read directly: Ethernet + IPv6 + extension headers + TCP. */
#define PARSE6_LINEAR (ETH_HLEN + 40 + EXT6_BYTES + 20)

/* Walk the extension headers after the fixed header: p->proto and p->l4off
 * end on the upper-layer header (or p->ext_refused is set). 0 or
 * DROP_TRUNCATED. Not inlined: only packets with extension headers come. */
static __noinline int parse6_ext(struct lb_ctx *ctx, struct pkt6 *p)
{
	__u32 off = p->l4off;
	__u8 nh = p->proto;
	for (int i = 0; i < EXT6_MAX; i++) {
		if (nh != NEXTHDR_HOP && nh != NEXTHDR_ROUTING && nh != NEXTHDR_DEST && nh != NEXTHDR_FRAGMENT)
			break;
		if (nh == NEXTHDR_HOP && i != 0) {
			p->ext_refused = 1; /* hop-by-hop only first (RFC 8200) */
			return 0;
		}
		__u8 h[8];
		if (ctx_load_bytes(ctx, off, h, sizeof(h)))
			return DROP_TRUNCATED;
		__u32 len = nh == NEXTHDR_FRAGMENT ? 8 : ((__u32)h[1] + 1) * 8;
		if (nh == NEXTHDR_FRAGMENT) {
			__u16 fo = ((__u16)h[2] << 8) | h[3];
			p->is_frag = 1;
			p->frag_later = (fo & IP6_OFFSET) != 0;
			__builtin_memcpy(&p->frag_id, &h[4], 4);
		}
		p->has_ext = 1;
		nh = h[0];
		off += len;
		if (off > ETH_HLEN + sizeof(struct ipv6hdr) + EXT6_BYTES) {
			p->ext_refused = 1;
			return 0;
		}
	}
	if (nh == NEXTHDR_HOP || nh == NEXTHDR_ROUTING || nh == NEXTHDR_DEST || nh == NEXTHDR_FRAGMENT ||
	    nh == 51 /* AH */ || nh == 50 /* ESP */ || nh == 135 /* mobility */ || nh == 139 /* HIP */ ||
	    nh == 140 /* shim6 */) {
		p->ext_refused = 1;
		return 0;
	}
	if (off > ETH_HLEN + sizeof(struct ipv6hdr) + (__u32)p->plen)
		return DROP_TRUNCATED; /* the chain runs past the payload */
	p->proto = nh;
	p->l4off = off;
	return 0;
}

/* Parse an IPv6 frame into *p: 1 (IPv6, parsed), 0 (not IPv6: not ours),
 * or a DROP_* for a malformed or truncated one. */
static __always_inline int parse_pkt6(struct lb_ctx *ctx, struct pkt6 *p)
{
	ctx_pull(ctx, ctx_len(ctx) < PARSE6_LINEAR ? ctx_len(ctx) : PARSE6_LINEAR);

	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return 0;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end)
		return DROP_TRUNCATED;
	if (ip6->version != 6)
		return DROP_BAD_IP;
	__u16 plen = bpf_ntohs(ip6->payload_len);
	if (plen == 0)
		return DROP_BAD_IP; /* a jumbogram (or nothing at all): not balanced */
	if (ETH_HLEN + sizeof(*ip6) + (__u32)plen > ctx_len(ctx))
		return DROP_TRUNCATED;

	__builtin_memcpy(&p->saddr, &ip6->saddr, sizeof(p->saddr));
	__builtin_memcpy(&p->daddr, &ip6->daddr, sizeof(p->daddr));
	p->proto = ip6->nexthdr;
	p->plen = plen;
	p->l4off = ETH_HLEN + sizeof(*ip6);
	p->l4 = 0;
	p->l4hlen = 0;
	p->tcp_flags = 0;
	p->sport = 0;
	p->dport = 0;
	p->is_frag = 0;
	p->frag_later = 0;
	p->has_ext = 0;
	p->ext_refused = 0;
	p->frag_id = 0;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != NEXTHDR_ICMPV6) {
		int r = parse6_ext(ctx, p);
		if (r < 0)
			return r;
		if (p->ext_refused || p->frag_later)
			return 1;
	}

	ctx_data_ptrs(ctx, data, data_end);
	void *l4 = data + (p->l4off & 0xff); /* <= 14 + 40 + EXT6_BYTES */
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		if ((void *)(th + 1) > data_end)
			return DROP_TRUNCATED;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->l4hlen = th->doff * 4;
		p->l4 = IPPROTO_TCP;
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;
		if ((void *)(uh + 1) > data_end)
			return DROP_TRUNCATED;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->l4hlen = sizeof(*uh);
		p->l4 = IPPROTO_UDP;
	}
	return 1;
}

#endif /* LB_PARSE6_H */
