/* csum.h — checksum maintenance after header rewrites.
 *
 * We never recompute an L4 checksum from scratch: incremental updates through
 * bpf_l3_csum_replace / bpf_l4_csum_replace are O(1) and — unlike a manual
 * RFC 1624 update — do the right thing for CHECKSUM_PARTIAL skbs (frames from
 * a local stack over veth, where the TCP/UDP check field holds only the
 * pseudo-header sum): with BPF_F_PSEUDO_HDR the kernel adjusts just what the
 * offload will later complete. BPF_F_MARK_MANGLED_0 keeps a UDP checksum of 0
 * ("none") as 0 and never produces 0 for a real one.
 */
#ifndef LB_CSUM_H
#define LB_CSUM_H

#include "lb_common.h"

#define IP_CSUM_OFF    (ETH_HLEN + offsetof(struct iphdr, check))
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

/* Replace an IPv4 address at ip_off (saddr/daddr) and fix both the IP header
 * checksum and the L4 checksum (which covers it via the pseudo header). */
static __always_inline int rewrite_addr(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					__u32 ip_off, __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), old, new,
				l4_csum_flags(proto) | BPF_F_PSEUDO_HDR | sizeof(new)))
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, ip_off, &new, sizeof(new), 0);
}

/* Replace a TCP/UDP port (port_off = l4off + 0 for source, + 2 for dest). */
static __always_inline int rewrite_port(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					__u32 port_off, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), old, new,
				l4_csum_flags(proto) | sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, port_off, &new, sizeof(new), 0);
}

/* Internet checksum of a freshly built 20-byte IPv4 header (no options). */
static __always_inline __u16 ipv4_hdr_csum(struct iphdr *ip)
{
	__u32 sum = 0;
	__u16 *w = (__u16 *)ip;
#pragma unroll
	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* LB_CSUM_H */
