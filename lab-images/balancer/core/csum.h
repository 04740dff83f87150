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

/* The IPv4 header, re-read after a helper that may have moved packet data. */
static __always_inline struct iphdr *ip_header(struct __sk_buff *skb)
{
	void *data, *data_end;
	skb_data_ptrs(skb, data, data_end);
	struct iphdr *ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return 0;
	return ip;
}

static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for a 32-bit field. Only for the
 * IPv4 header checksum: it is always complete in the header (never
 * offloaded), so unlike the L4 one it needs no knowledge of ip_summed. The
 * 16-bit halves are summed in memory order, like the checksum itself. */
static __always_inline void ip_csum_replace4(struct iphdr *ip, __be32 old, __be32 new)
{
	__u32 s = (__u16)~ip->check;
	s += (__u16)~(old & 0xffff) + (__u16)~(old >> 16) + (new & 0xffff) + (new >> 16);
	ip->check = (__u16)~csum_fold32(s);
}

/* Replace the IPv4 source (ip_off = IP_SRC_OFF) or destination (IP_DST_OFF)
 * address: the L4 checksum (which covers it via the pseudo header) through
 * the kernel helper, the IP checksum and the address itself written in
 * place — one helper call instead of three. */
static __always_inline int rewrite_addr(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					__u32 ip_off, __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), old, new,
				l4_csum_flags(proto) | BPF_F_PSEUDO_HDR | sizeof(new)))
		return -1;
	struct iphdr *ip = ip_header(skb);
	if (!ip)
		return -1;
	ip_csum_replace4(ip, old, new);
	if (ip_off == IP_SRC_OFF)
		ip->saddr = new;
	else
		ip->daddr = new;
	return 0;
}

/* One's-complement 32-bit add (the kernel's csum_add). */
static __always_inline __u32 csum_add32(__u32 a, __u32 b)
{
	__u32 r = a + b;
	return r + (r < a);
}

/* Replace both IPv4 addresses (full NAT): one L4 checksum update for the two
 * pseudo-header changes (by difference: valid for CHECKSUM_PARTIAL too, as
 * both are pseudo-header fields), the IP checksum and addresses in place. */
static __always_inline int rewrite_addrs(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					 __be32 old_src, __be32 new_src, __be32 old_dst, __be32 new_dst)
{
	__u32 diff = csum_add32(csum_add32(~old_src, new_src), csum_add32(~old_dst, new_dst));
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), 0, diff,
				l4_csum_flags(proto) | BPF_F_PSEUDO_HDR))
		return -1;
	struct iphdr *ip = ip_header(skb);
	if (!ip)
		return -1;
	ip_csum_replace4(ip, old_src, new_src);
	ip_csum_replace4(ip, old_dst, new_dst);
	ip->saddr = new_src;
	ip->daddr = new_dst;
	return 0;
}

/* Replace a TCP/UDP port (port_off = l4off + 0 for source, + 2 for dest):
 * checksum through the helper, the port written in place. */
static __always_inline int rewrite_port(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					__u32 port_off, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), old, new,
				l4_csum_flags(proto) | sizeof(new)))
		return -1;
	void *data, *data_end;
	skb_data_ptrs(skb, data, data_end);
	__be16 *port = data + (port_off & 0x7f); /* <= 14 + 60 + 2: bounded for the verifier */
	if ((void *)(port + 1) > data_end)
		return -1;
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
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Replace both ports (full NAT replies): one L4 checksum update by
 * difference. Not a pseudo-header change, so for CHECKSUM_PARTIAL the kernel
 * rightly leaves the field alone (the offload sums the ports later). */
static __always_inline int rewrite_ports(struct __sk_buff *skb, __u8 proto, __u32 l4off,
					 __be16 old_sport, __be16 new_sport, __be16 old_dport, __be16 new_dport)
{
	__u32 diff = csum_add32(csum_add32(~(__u32)old_sport, new_sport), csum_add32(~(__u32)old_dport, new_dport));
	if (bpf_l4_csum_replace(skb, l4_csum_off(proto, l4off), 0, diff, l4_csum_flags(proto)))
		return -1;
	void *data, *data_end;
	skb_data_ptrs(skb, data, data_end);
	__be16 *ports = data + (l4off & 0x7f); /* <= 14 + 60: bounded for the verifier */
	if ((void *)(ports + 2) > data_end)
		return -1;
	ports[0] = new_sport;
	ports[1] = new_dport;
	return 0;
}

#endif /* LB_CSUM_H */
