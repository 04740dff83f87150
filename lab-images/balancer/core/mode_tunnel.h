/* mode_tunnel.h — IPIP tunnel: the whole client packet travels inside a new
 * IPv4 header to the backend, which may sit behind routers; the backend
 * decapsulates (lab-images/server/decap), holds the VIP and answers the
 * client directly. */
#ifndef LB_MODE_TUNNEL_H
#define LB_MODE_TUNNEL_H

#include "egress.h"
#include "encap.h"
#include "flow.h"
#include "icmp.h"

static __always_inline int mode_tunnel(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	__be32 src = be->src_addr;

	/* Too big once wrapped? A GSO packet (GRO'd on the way in) is cut into
	 * segments later: what must fit is one segment (IP and L4 headers +
	 * gso_size), not the whole. A packet that does not fit would be dropped
	 * by the egress device, silently: answer it (DF: ICMP fragmentation
	 * needed) or count it (no DF: the sender gave us no way to say it, and a
	 * redirected packet is never fragmented) instead. */
	__u32 len = p->tot_len;
	if (ctx_gso_size(ctx))
		len = (p->l4off - ETH_HLEN) + p->l4hlen + ctx_gso_size(ctx);
	if (be->mtu && len + sizeof(struct iphdr) > be->mtu) {
		if (!(p->frag_df))
			return DROP_TOO_BIG;
		return send_icmp_too_big(ctx, be->mtu - sizeof(struct iphdr));
	}
	int r = ipip_encap(ctx, src, be->addr, p->tot_len);
	if (r < 0)
		return r;
	return fwd_sent(fc, CNT_ENCAP, egress_backend(ctx, be, src, IPPROTO_IPIP, p->tot_len + sizeof(struct iphdr)));
}

#endif
