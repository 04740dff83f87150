/* mode_reverse.h — replies of nat/snat flows (backend -> client side),
 * recognised by a reply entry (FLOW_F_REPLY) in lb_flows for the packet's own
 * 5-tuple.
 *   nat:  src backend        -> VIP:port
 *   snat: src backend:port   -> VIP:port, dst snat:port -> client:port
 * Then back out of the interface the client's request came in on, to the
 * MAC that sent it (learned with the flow), or, when that is not
 * known, fib lookup toward the client and redirect (this also avoids the
 * stack's martian-source check: after rewriting, src is our own VIP); if the
 * kernel has no forwarding answer, hand the packet to the stack
 * (LB_PASS; needs ip_forward=1 and accept_local=1 in the balancer). */
#ifndef LB_MODE_REVERSE_H
#define LB_MODE_REVERSE_H

#include "egress.h"
#include "csum.h"

static __always_inline int mode_reverse(struct lb_ctx *ctx, struct pkt *p, struct flow_val *rv)
{
	__be32 dst = p->daddr;
	__u32 cnt = CNT_NAT_REV;
	int r;
	if (rv->mode == MODE_SNAT) {
		dst = rv->client;
		cnt = CNT_SNAT_REV;
		r = rewrite_addrs(ctx, p->l4, p->l4off, p->saddr, rv->vip, p->daddr, rv->client);
		if (r >= 0)
			r = rewrite_ports(ctx, p->l4, p->l4off, p->sport, rv->vport, p->dport, rv->cport);
	} else {
		r = rewrite_addr(ctx, p->l4, p->l4off, IP_SRC_OFF, p->saddr, rv->vip);
		if (r >= 0)
			r = rewrite_port(ctx, p->l4, p->l4off, p->l4off, p->sport, rv->vport);
	}
	if (r < 0)
		return r;
	int v = egress_client(ctx, rv->ifindex, rv->l2_dst, rv->l2_src, rv->vip, dst, p->proto, p->tot_len);
	return sent(cnt, v);
}

#endif
