/* mode_nat.h — destination NAT (the seed's "NAT mode").
 * forward (client -> VIP:port): dst address -> backend, with a reply entry in
 * lb_flows;
 * reverse (backend -> client, arriving because the servers' default gateway
 * is the balancer): src address -> VIP. Backends listen on the service port,
 * so the ports stay as they are. */
#ifndef LB_MODE_NAT_H
#define LB_MODE_NAT_H

#include "egress.h"
#include "flow.h"
#include "csum.h"

/* Write the reply entry of a new nat flow (not inlined: new flows only): 0,
 * or DROP_MAP_FULL. */
static __noinline int nat_reply_entry(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct flow_key rk = {
		.src = fc->be->addr, .dst = p->saddr, .sport = p->dport, .dport = p->sport, .proto = p->proto,
	};
	struct flow_val rv;
	reply_entry(ctx, p, fc, MODE_NAT, &rv);
	return flow_write_new(&rk, &rv) ? DROP_MAP_FULL : 0;
}

static __always_inline int mode_nat_fwd(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	/* The reply entry is written when the flow is (re)scheduled, and
	 * checked once per tick (flow.h flow_tracked). */
	int r;
	if (fc->is_new) {
		/* without it its replies could not be translated: the flow
		 * leaves nothing behind, like a snat flow without a port */
		r = nat_reply_entry(ctx, p, fc);
		if (r < 0) {
			flow_drop(fc);
			return r;
		}
	}
	r = rewrite_addr(ctx, p->l4, p->l4off, IP_DST_OFF, p->daddr, be->addr);
	if (r < 0)
		return r;
	return fwd_sent(fc, CNT_NAT_FWD, egress_backend(ctx, be, p->saddr, p->proto, p->tot_len));
}

#endif
