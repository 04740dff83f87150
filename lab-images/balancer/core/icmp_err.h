/* icmp_err.h — ICMP errors about balanced flows (destination unreachable,
 * incl. "fragmentation needed"; time exceeded; parameter problem), matched
 * to their flow by the packet they quote, as IPVS, Katran and Cilium do.
 *
 * The quoted packet is one the error's receiver sent, as it was on the wire
 * where it failed, so its reversed 5-tuple is the key of an lb_flows entry:
 *  - a reply entry: the quote is a forward packet after nat/snat, the error
 *    comes from the backend's side (the backend, or a router before it:
 *    port unreachable, fragmentation needed). It is translated back for the
 *    client — outer destination := client (snat: it was our snat address),
 *    outer source := VIP when the backend itself sent it; quoted source :=
 *    client:port, quoted destination := VIP:port — and sent the way replies
 *    go (mode_reverse.h), counted icmp_rev;
 *  - a forward entry: the quote is a reply as the client's side saw it (from
 *    VIP:port), the error is about the way back, e.g. a router toward the
 *    client that needs a smaller MTU: the backend must learn it (path MTU
 *    discovery), so the error goes to the flow's backend, the way the flow's
 *    mode sends its packets (dsr: MACs; tunnel: IPIP, or 4in6; nat: destination and
 *    quoted source := backend; snat: also source and quoted destination :=
 *    snat address:port), counted icmp_fwd.
 * Anything else (echo, errors about no flow of ours, quotes with IP options)
 * goes on as before. Every rewrite keeps each checksum right incrementally:
 * outer IP header, ICMP (over the whole message), quoted IP header, and the
 * quoted UDP/TCP checksum when the quote holds it. Changing bytes together
 * with the checksum that covers them also leaves a CHECKSUM_COMPLETE skb's
 * sum valid. */
#ifndef LB_ICMP_ERR_H
#define LB_ICMP_ERR_H

#include "flow.h"
#include "egress.h"
#include "encap.h"
#include "csum.h"

#define ICMP_DEST_UNREACH_T 3
#define ICMP_TIME_EXCEEDED_T 11
#define ICMP_PARAMPROB_T 12

/* The ICMP header, the quoted IPv4 header and the quoted L4 header's first
 * 8 bytes (what every ICMP error carries at least). */
struct icmp_quote {
	__u8 type;
	__u8 code;
	__u16 check;
	__u32 rest;
	struct iphdr ip;
	__be16 sport;
	__be16 dport;
	__u16 l4w2;       /* UDP: length; TCP: sequence number, high half */
	__u16 l4w3;       /* UDP: checksum; TCP: sequence number, low half */
};

#define QUOTE_L4_OFF (8 + sizeof(struct iphdr)) /* from the ICMP header */

/* The new addresses and ports of an error's outer and quoted headers. */
struct icmp_nat {
	__be32 o_src;
	__be32 o_dst;
	__be32 q_src;
	__be32 q_dst;
	__be16 q_sport;
	__be16 q_dport;
};

/* Room for one error's quote and rewrite, per CPU: kept off the stack,
 * which the pipeline's frames share (512 bytes in all). */
struct icmp_scratch {
	struct icmp_quote q;
	struct icmp_nat n;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct icmp_scratch);
} lb_icmp_scratch SEC(".maps");

/* ~old + new of a 32-bit or 16-bit field, for the RFC 1624 updates */
#define CSUM_D32(o, n) csum_add32(~(__u32)(o), (__u32)(n))
#define CSUM_D16(o, n) csum_add32(~(__u32)(__u16)(o) & 0xffff, (__u32)(__u16)(n))

/* Rewrite error q (loaded from the packet at p->l4off) as n says. 0, or
 * DROP_REWRITE_FAIL. */
static __noinline int icmp_rewrite(struct lb_ctx *ctx, struct pkt *p, struct icmp_quote *q, struct icmp_nat *n)
{
	__u32 l4off = p->l4off;
	/* the quoted L4 checksum, when the quote holds it (TCP's is at 16) */
	__u32 qcoff = l4off + QUOTE_L4_OFF + (q->ip.protocol == IPPROTO_TCP ? 16 : 6);
	__u16 qc = 0;
	int has_qc = q->ip.protocol == IPPROTO_UDP ||
		     (qcoff + 2 <= ctx_len(ctx) && ETH_HLEN + p->tot_len >= qcoff + 2);
	if (q->ip.protocol == IPPROTO_UDP)
		qc = q->l4w3;
	else if (has_qc && ctx_load_bytes(ctx, qcoff, &qc, 2))
		return DROP_REWRITE_FAIL;

	/* quoted IP header: addresses and its checksum */
	__u32 dq = csum_add32(CSUM_D32(q->ip.saddr, n->q_src), CSUM_D32(q->ip.daddr, n->q_dst));
	__u16 qip = csum_replace_full(q->ip.check, dq);
	/* quoted L4: ports (and the pseudo header's addresses) into its checksum */
	__u32 dp = csum_add32(CSUM_D16(q->sport, n->q_sport), CSUM_D16(q->dport, n->q_dport));
	__u16 nqc = qc;
	if (has_qc && !(q->ip.protocol == IPPROTO_UDP && qc == 0)) {
		nqc = csum_replace_full(qc, csum_add32(dq, dp));
		if (q->ip.protocol == IPPROTO_UDP && nqc == 0)
			nqc = 0xffff;
	}
	/* the ICMP checksum covers every quoted byte that changed */
	__u32 di = csum_add32(csum_add32(dq, CSUM_D16(q->ip.check, qip)), csum_add32(dp, CSUM_D16(qc, nqc)));
	q->check = csum_replace_full(q->check, di);
	q->ip.saddr = n->q_src;
	q->ip.daddr = n->q_dst;
	q->ip.check = qip;
	q->sport = n->q_sport;
	q->dport = n->q_dport;
	if (q->ip.protocol == IPPROTO_UDP)
		q->l4w3 = nqc;
	if (ctx_store_bytes(ctx, l4off, q, sizeof(*q)))
		return DROP_REWRITE_FAIL;
	if (q->ip.protocol == IPPROTO_TCP && has_qc && ctx_store_bytes(ctx, qcoff, &nqc, 2))
		return DROP_REWRITE_FAIL;

	/* outer header */
	struct iphdr *ip = ip_header(ctx);
	if (!ip)
		return DROP_REWRITE_FAIL;
	ip_csum_apply(ip, csum_add32(CSUM_D32(ip->saddr, n->o_src), CSUM_D32(ip->daddr, n->o_dst)));
	ip->saddr = n->o_src;
	ip->daddr = n->o_dst;
	return 0;
}

/* An error from the backend's side about reply entry rv's flow: back to the
 * client. A TC verdict or a drop code. */
static __noinline int icmp_to_client(struct lb_ctx *ctx, struct pkt *p, struct icmp_scratch *x,
				     struct flow_val *rv)
{
	struct icmp_quote *q = &x->q;
	struct icmp_nat *n = &x->n;
	/* the backend itself answers as the VIP; a router keeps its address */
	n->o_src = p->saddr == q->ip.daddr ? rv->vip : p->saddr;
	n->o_dst = rv->client;
	n->q_src = rv->client;
	n->q_sport = rv->cport;
	n->q_dst = rv->vip;
	n->q_dport = rv->vport;
	int r = icmp_rewrite(ctx, p, q, n);
	if (r < 0)
		return r;
	int v = egress_client(ctx, rv->ifindex, rv->l2_dst, rv->l2_src, n->o_src, rv->client, IPPROTO_ICMP, p->tot_len);
	return sent(CNT_ICMP_REV, v);
}

/* An error from the client's side about forward entry v's flow: on to its
 * backend be. A TC verdict or a drop code. */
static __noinline int icmp_to_backend(struct lb_ctx *ctx, struct pkt *p, struct icmp_scratch *x,
				      struct flow_val *v, struct backend *be)
{
	struct icmp_quote *q = &x->q;
	struct icmp_nat *n = &x->n;
	__be32 src = p->saddr;
	int r = 0;
	if (v->mode == MODE_NAT || v->mode == MODE_SNAT) {
		n->o_src = p->saddr;
		n->o_dst = be->addr;
		n->q_src = be->addr;
		n->q_sport = q->sport;
		n->q_dst = q->ip.daddr;
		n->q_dport = q->dport;
		if (v->mode == MODE_SNAT) {
			if (!v->snat_port)
				return DROP_SNAT_PORTS;
			n->o_src = v->snat_addr;
			n->q_dst = v->snat_addr;
			n->q_dport = v->snat_port;
		}
		src = n->o_src;
		r = icmp_rewrite(ctx, p, q, n);
	} else if (v->mode == MODE_TUNNEL && (be->flags & BE_F_TUNNEL6)) {
		struct backend6 *b6 = tunnel6_of(v->backend_id);
		if (!b6)
			return DROP_BAD_SERVICE;
		r = ip4in6_encap(ctx, b6, p->tot_len);
		if (r < 0)
			return r;
		return sent(CNT_ICMP_FWD, egress_backend46(ctx, be, b6, p->tot_len + IP4IN6_HLEN));
	} else if (v->mode == MODE_TUNNEL) {
		src = be->src_addr;
		r = ipip_encap(ctx, src, be->addr, p->tot_len);
		if (r >= 0)
			return sent(CNT_ICMP_FWD, egress_backend(ctx, be, src, IPPROTO_IPIP, p->tot_len + sizeof(struct iphdr)));
	} else if (v->mode == MODE_DSR) {
		if (!(be->flags & BE_F_L2))
			return DROP_NO_NEIGHBOUR; /* as mode_dsr.h */
		src = 0;
	} else {
		return DROP_BAD_SERVICE;
	}
	if (r < 0)
		return r;
	return sent(CNT_ICMP_FWD, egress_backend(ctx, be, src, IPPROTO_ICMP, p->tot_len));
}

/* This CPU's scratch (never NULL: checked for the verifier). */
static __always_inline struct icmp_scratch *icmp_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&lb_icmp_scratch, &zero);
}

/* An ICMP packet (not a fragment): the lb_flows entry of the flow it is an
 * error about (its quote loaded into scratch x, for icmp_error), or NULL:
 * not ours (echo, an error about no flow of ours, or about one whose
 * backend has left: nowhere to send it). */
static __noinline struct flow_val *icmp_error_flow(struct lb_ctx *ctx, struct pkt *p, struct icmp_scratch *x)
{
	struct icmp_quote *q = &x->q;
	if (ctx_load_bytes(ctx, p->l4off, q, sizeof(*q)))
		return 0;
	if (q->type != ICMP_DEST_UNREACH_T && q->type != ICMP_TIME_EXCEEDED_T && q->type != ICMP_PARAMPROB_T)
		return 0;
	if (q->ip.version != 4 || q->ip.ihl != 5 || (q->ip.frag_off & bpf_htons(IP_OFFSET)) ||
	    (q->ip.protocol != IPPROTO_TCP && q->ip.protocol != IPPROTO_UDP))
		return 0;
	/* the flow's key is the quoted packet's, reversed */
	struct flow_key k = {
		.src = q->ip.daddr, .dst = q->ip.saddr, .sport = q->dport, .dport = q->sport, .proto = q->ip.protocol,
	};
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &k);
	if (!v || (v->flags & FLOW_F_REPLY) || backend_for_existing(v->backend_id, v->svc_id))
		return v;
	return 0;
}

/* An ICMP error about flow entry v (icmp_error_flow's answer; its quote in
 * scratch x): to the flow's client or backend. A TC verdict or a drop code. */
static __noinline int icmp_error(struct lb_ctx *ctx, struct pkt *p, struct icmp_scratch *x, struct flow_val *v)
{
	if (v->flags & FLOW_F_REPLY)
		return icmp_to_client(ctx, p, x, v);
	struct backend *be = backend_for_existing(v->backend_id, v->svc_id);
	if (!be)
		return DROP_NO_BACKEND; /* it left since icmp_error_flow looked */
	return icmp_to_backend(ctx, p, x, v, be);
}

#endif /* LB_ICMP_ERR_H */
