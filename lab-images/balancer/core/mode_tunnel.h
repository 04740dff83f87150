/* mode_tunnel.h — IPIP tunnel: the whole client packet travels inside a new
 * IPv4 header to the backend, which may sit behind routers; the backend
 * decapsulates (lab-images/server/decap), holds the VIP and answers the
 * client directly. A backend flagged BE_F_TUNNEL6 is reached over IPv6
 * instead: the IPv4 packet inside an outer IPv6 header ("4in6", encap.h),
 * 40 bytes of overhead instead of 20. */
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
	__u32 over = (be->flags & BE_F_TUNNEL6) ? IP4IN6_HLEN : sizeof(struct iphdr);
	if (ctx_gso_size(ctx))
		len = (p->l4off - ETH_HLEN) + p->l4hlen + ctx_gso_size(ctx);
	if (be->mtu && len + over > be->mtu) {
		if (!(p->frag_df))
			return DROP_TOO_BIG;
		return send_icmp_too_big(ctx, be->mtu - over);
	}
	if (be->flags & BE_F_TUNNEL6) {
		struct backend6 *b6 = tunnel6_of(fc->be_id);
		if (!b6)
			return DROP_BAD_SERVICE;
		int r = ip4in6_encap(ctx, b6, p->tot_len);
		if (r < 0)
			return r;
		return fwd_sent(fc, CNT_ENCAP, egress_backend46(ctx, be, b6, p->tot_len + IP4IN6_HLEN));
	}
	int r = ipip_encap(ctx, src, be->addr, p->tot_len);
	if (r < 0)
		return r;
	return fwd_sent(fc, CNT_ENCAP, egress_backend(ctx, be, src, IPPROTO_IPIP, p->tot_len + sizeof(struct iphdr)));
}

#endif
