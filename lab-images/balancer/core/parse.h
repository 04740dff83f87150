/* parse.h — bounds-checked parsing of Ethernet / IPv4 / TCP / UDP.
 *
 * Every access to packet memory is preceded by a check against data_end, so
 * the verifier proves there is no out-of-bounds read; truncated frames are
 * reported (DROP_TRUNCATED) instead of read past. IPv4 options are allowed:
 * the L4 header is located with IHL (bounded to 5..15 words).
 */
#ifndef LB_PARSE_H
#define LB_PARSE_H

#include "helpers.h"
#include "abi.h"

/* IPv4 frag_off bits (host order) */
#define IP_DF     0x4000
#define IP_MF     0x2000
#define IP_OFFSET 0x1fff

struct pkt {
	__u32 l4off;      /* offset of the L4 header from the frame start */
	__u8 proto;
	__u8 l4;          /* proto when its TCP/UDP header is in this packet, else 0
			   * (a later fragment, another protocol): the checksum and
			   * port rewrites of csum.h skip what is not there */
	__u8 tcp_flags;   /* TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 ACK=0x10) */
	__u8 is_frag;     /* MF set or fragment offset != 0 */
	__u8 frag_later;  /* fragment offset != 0: no L4 header, ports from lb_frags */
	__u8 has_opts;    /* IHL > 5 */
	__u8 frag_df;     /* DF set */
	__u8 l4hlen;      /* TCP/UDP header length (TCP: data offset) */
	__u8 is_ipv4;     /* an IPv4 packet: every other field is filled; 0: not
			   * IPv4 (ARP, IPv6, VLAN, a runt frame), not ours */
	__be16 ip_id;
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u16 tot_len;    /* IPv4 total length (host order) */
};

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

/* Headers we may read directly: Ethernet + IPv4 with maximal options + TCP. */
#define PARSE_LINEAR (ETH_HLEN + 60 + 20)

/* Parse the frame into *p: 0, or a DROP_* for malformed IPv4. What is not
 * IPv4 parses too (p->is_ipv4 = 0: the pipeline passes it). For IPv4 the
 * L4 header is parsed when it is TCP/UDP and not a later fragment (a first
 * fragment has its ports). */
static __always_inline int parse_pkt(struct lb_ctx *ctx, struct pkt *p)
{
	/* Packets from a local stack (and GRO'd ones) may keep headers partly
	 * in page fragments, outside [data, data_end): make the header part
	 * linear first. Only costs when it is not already. */
	ctx_pull(ctx, ctx_len(ctx) < PARSE_LINEAR ? ctx_len(ctx) : PARSE_LINEAR);

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	p->is_ipv4 = 0;
	if ((void *)(eth + 1) > data_end)
		return 0; /* shorter than an Ethernet header: not ours */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return 0; /* ARP, IPv6, VLAN, ...: untouched */

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return DROP_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5)
		return DROP_BAD_IP;

	__u32 ihl = ip->ihl * 4;
	__u16 tot = bpf_ntohs(ip->tot_len);
	if (tot < ihl)
		return DROP_BAD_IP;
	/* Total length beyond the frame: bytes are missing (the frame may be
	 * longer, e.g. Ethernet padding, that is fine). The whole length, not data_end:
	 * the payload may legitimately sit in non-linear fragments. */
	if (ETH_HLEN + (__u32)tot > ctx_len(ctx))
		return DROP_TRUNCATED;

	p->is_ipv4 = 1;
	p->proto = ip->protocol;
	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	p->tot_len = tot;
	p->has_opts = ihl > sizeof(struct iphdr);
	p->is_frag = (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;
	p->frag_later = (ip->frag_off & bpf_htons(IP_OFFSET)) != 0;
	p->frag_df = (ip->frag_off & bpf_htons(IP_DF)) != 0;
	p->ip_id = ip->id;
	p->l4off = sizeof(struct ethhdr) + ihl;
	p->l4 = 0;
	p->l4hlen = 0;
	p->sport = 0;
	p->dport = 0;
	p->tcp_flags = 0;

	if (p->frag_later)
		return 0; /* only the first fragment has ports: lb_frags has them */

	void *l4 = (void *)ip + ihl;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		if ((void *)(th + 1) > data_end)
			return DROP_TRUNCATED;
		p->sport = th->source;
		p->dport = th->dest;
		/* flags live in byte 13 of the TCP header */
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
	return 0;
}

#endif /* LB_PARSE_H */
