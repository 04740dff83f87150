/* mode_dsr.h — direct routing ("triangle"): the IP packet is not touched;
 * the frame is re-addressed at L2 to the backend (which holds the VIP on lo)
 * and sent out of the interface facing it. The server answers the client
 * directly. Needs balancer and backend on one L2 segment. */
#ifndef LB_MODE_DSR_H
#define LB_MODE_DSR_H

#include "egress.h"
#include "flow.h"

static __always_inline int mode_dsr(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	if (!(be->flags & BE_F_L2))
		return DROP_NO_NEIGHBOUR; /* dsr has no L3 next hop: the backend's MAC is the point */
	return fwd_sent(fc, CNT_DSR, egress_backend(ctx, be, 0, p->proto, p->tot_len));
}

#endif
