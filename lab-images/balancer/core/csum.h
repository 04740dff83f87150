/* csum.h — checksum maintenance after header rewrites.
 *
 * We never recompute a checksum from scratch: every update is incremental
 * (RFC 1624), O(1), by the difference of the rewritten fields.
 *
 * At XDP (ctx.h) the L4 checksum is always complete: RFC 1624 in place, the
 * NONE case below. At tc, the L4 (TCP/UDP) checksum field means different
 * things depending on the skb's ip_summed, which __sk_buff does not show, so we read it from the
 * kernel's sk_buff (bpf_cast_to_kern_ctx, a CO-RE read of the bitfield):
 *  - CHECKSUM_PARTIAL (frames from a local stack over veth): the field holds
 *    only the folded pseudo-header sum, which the offload completes later. A
 *    pseudo-header change (address) is added to it uncomplemented; an L4
 *    header change (port) leaves it alone: the offload sums the ports.
 *  - CHECKSUM_NONE / UNNECESSARY: a complete checksum, RFC 1624 eqn. 3.
 *  - CHECKSUM_COMPLETE (a NIC's full sum in skb->csum): skb->csum must
 *    follow a pseudo-header change, and only bpf_l4_csum_replace can write
 *    it, so those skbs go through the helper.
 * That is what bpf_l4_csum_replace(BPF_F_PSEUDO_HDR) does in the kernel
 * (inet_proto_csum_replace_by_diff), written here in place: the helper call
 * alone cost about a third of a nat packet. A UDP checksum of 0 ("none")
 * stays 0, and a real one never becomes 0 (BPF_F_MARK_MANGLED_0).
 */
#ifndef LB_CSUM_H
#define LB_CSUM_H

#include "helpers.h"
#include "abi.h"
#include <bpf/bpf_core_read.h>

#ifndef CHECKSUM_COMPLETE
#define CHECKSUM_NONE        0
#define CHECKSUM_UNNECESSARY 1
#define CHECKSUM_COMPLETE    2
#define CHECKSUM_PARTIAL     3
#endif

/* The one field we read from the kernel's sk_buff; CO-RE finds it. */
struct sk_buff___lb {
	__u8 ip_summed:2;
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* At XDP there is no skb and no offload: the L4 checksum in the frame is
 * always a complete one (CHECKSUM_NONE), and the branches below for the
 * other states compile away (bpf_l4_csum_replace does not exist there). */
static __always_inline __u32 ctx_ip_summed(struct lb_ctx *ctx)
{
#ifdef LB_XDP
	return CHECKSUM_NONE;
#else
	struct sk_buff___lb *k = bpf_cast_to_kern_ctx(ctx);
	return BPF_CORE_READ_BITFIELD(k, ip_summed);
#endif
}

#define IP_SRC_OFF     (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DST_OFF     (ETH_HLEN + offsetof(struct iphdr, daddr))

static __always_inline __u32 l4_csum_off(__u8 proto, __u32 l4off)
{
	return l4off + (proto == IPPROTO_TCP ? offsetof(struct tcphdr, check)
					     : offsetof(struct udphdr, check));
}

static __always_inline __u64 l4_csum_flags(__u8 proto)
{
	return proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* The IPv4 header, re-read after a helper that may have moved packet data. */
static __always_inline struct iphdr *ip_header(struct lb_ctx *ctx)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct iphdr *ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return 0;
	return ip;
}

/* Fold a 32-bit one's-complement sum to 16 bits (the one fold of the data
 * plane: incremental updates, fresh headers, ICMP). */
static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* One's-complement 32-bit add (the kernel's csum_add). */
static __always_inline __u32 csum_add32(__u32 a, __u32 b)
{
	__u32 r = a + b;
	return r + (r < a);
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), with diff = ~m + m': a complete
 * checksum after its fields changed by diff. */
static __always_inline __u16 csum_replace_full(__u16 check, __u32 diff)
{
	return (__u16)~csum_fold32(csum_add32(diff, (__u16)~check));
}

/* Apply diff (a one's-complement sum of ~old and new field values) to the
 * L4 checksum; pseudo: the fields are in the pseudo header (addresses), not
 * in the L4 header (ports). See the top of this file. Like every rewrite
 * below: 0, or DROP_REWRITE_FAIL. */
static __always_inline int l4_csum_update(struct lb_ctx *ctx, __u8 proto, __u32 l4off, __u32 diff, int pseudo)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0; /* no L4 header here (a later fragment: the first carries the checksum) */
	__u32 summed = ctx_ip_summed(ctx);
#ifndef LB_XDP
	if (summed == CHECKSUM_COMPLETE)
		return bpf_l4_csum_replace(ctx, l4_csum_off(proto, l4off), 0, diff,
					   l4_csum_flags(proto) | (pseudo ? BPF_F_PSEUDO_HDR : 0)) ? DROP_REWRITE_FAIL : 0;
#endif
	if (summed == CHECKSUM_PARTIAL && !pseudo)
		return 0;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	__u16 *check = data + (l4_csum_off(proto, l4off) & 0xff); /* <= 14 + 60 + 16: bounded */
	if ((void *)(check + 1) > data_end)
		return DROP_REWRITE_FAIL;
	__u16 c = *check;
	if (proto == IPPROTO_UDP && c == 0)
		return 0;
	if (summed == CHECKSUM_PARTIAL)
		c = csum_fold32(csum_add32(diff, c));
	else
		c = csum_replace_full(c, diff);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	*check = c;
	return 0;
}

/* The IPv4 header checksum takes the same diff as the L4 one (addresses are
 * in both); it is always complete in the header (never offloaded), so unlike
 * the L4 one it needs no knowledge of ip_summed. */
static __always_inline void ip_csum_apply(struct iphdr *ip, __u32 diff)
{
	ip->check = csum_replace_full(ip->check, diff);
}

/* Replace the IPv4 source (ip_off = IP_SRC_OFF) or destination (IP_DST_OFF)
 * address: the L4 checksum (which covers it via the pseudo header), the IP
 * checksum and the address itself, all in place. */
static __always_inline int rewrite_addr(struct lb_ctx *ctx, __u8 proto, __u32 l4off,
					__u32 ip_off, __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	__u32 diff = csum_add32(~old, new);
	int r = l4_csum_update(ctx, proto, l4off, diff, 1);
	if (r < 0)
		return r;
	struct iphdr *ip = ip_header(ctx);
	if (!ip)
		return DROP_REWRITE_FAIL;
	ip_csum_apply(ip, diff);
	if (ip_off == IP_SRC_OFF)
		ip->saddr = new;
	else
		ip->daddr = new;
	return 0;
}

/* Replace both IPv4 addresses (full NAT): one L4 checksum update for the two
 * pseudo-header changes, the IP checksum and addresses in place. */
static __always_inline int rewrite_addrs(struct lb_ctx *ctx, __u8 proto, __u32 l4off,
					 __be32 old_src, __be32 new_src, __be32 old_dst, __be32 new_dst)
{
	__u32 diff = csum_add32(csum_add32(~old_src, new_src), csum_add32(~old_dst, new_dst));
	int r = l4_csum_update(ctx, proto, l4off, diff, 1);
	if (r < 0)
		return r;
	struct iphdr *ip = ip_header(ctx);
	if (!ip)
		return DROP_REWRITE_FAIL;
	ip_csum_apply(ip, diff);
	ip->saddr = new_src;
	ip->daddr = new_dst;
	return 0;
}

/* Replace a TCP/UDP port (port_off = l4off + 0 for source, + 2 for dest):
 * checksum and port in place. proto 0: no L4 header, nothing to do (as for
 * every rewrite here: the callers pass pkt.l4). */
static __always_inline int rewrite_port(struct lb_ctx *ctx, __u8 proto, __u32 l4off,
					__u32 port_off, __be16 old, __be16 new)
{
	if (old == new || !proto)
		return 0;
	int r = l4_csum_update(ctx, proto, l4off, csum_add32(~(__u32)old, new), 0);
	if (r < 0)
		return r;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	__be16 *port = data + (port_off & 0x7f); /* <= 14 + 60 + 2: bounded for the verifier */
	if ((void *)(port + 1) > data_end)
		return DROP_REWRITE_FAIL;
	*port = new;
	return 0;
}

/* Internet checksum of a freshly built 20-byte IPv4 header (no options). */
static __always_inline __u16 ipv4_hdr_csum(struct iphdr *ip)
{
	__u32 sum = 0;
	__u16 *w = (__u16 *)ip;
#pragma unroll
	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	return (__u16)~csum_fold32(sum);
}

/* Replace both ports (full NAT replies): one L4 checksum update by
 * difference (not a pseudo-header change: nothing to do when PARTIAL). */
static __always_inline int rewrite_ports(struct lb_ctx *ctx, __u8 proto, __u32 l4off,
					 __be16 old_sport, __be16 new_sport, __be16 old_dport, __be16 new_dport)
{
	if (!proto)
		return 0;
	__u32 diff = csum_add32(csum_add32(~(__u32)old_sport, new_sport), csum_add32(~(__u32)old_dport, new_dport));
	int r = l4_csum_update(ctx, proto, l4off, diff, 0);
	if (r < 0)
		return r;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	__be16 *ports = data + (l4off & 0x7f); /* <= 14 + 60: bounded for the verifier */
	if ((void *)(ports + 2) > data_end)
		return DROP_REWRITE_FAIL;
	ports[0] = new_sport;
	ports[1] = new_dport;
	return 0;
}

#endif /* LB_CSUM_H */
