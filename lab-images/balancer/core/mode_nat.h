/* mode_nat.h — destination NAT (the seed's "NAT mode").
 * forward (client -> VIP:port): dst address -> backend, recorded in lb_rev;
 * reverse (backend -> client, arriving because the servers' default gateway
 * is the balancer): src address -> VIP. Backends listen on the service port,
 * so the ports stay as they are. */
#ifndef LB_MODE_NAT_H
#define LB_MODE_NAT_H

#include "egress.h"
#include "flow.h"
#include "csum.h"

static __always_inline int mode_nat_fwd(struct __sk_buff *skb, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	struct flow_key rk = {
		.src = be->addr, .dst = p->saddr, .sport = p->dport, .dport = p->sport, .proto = p->proto,
	};
	/* (Re)write the reply translation on a new flow, or if LRU evicted it. */
	if (fc->is_new || !bpf_map_lookup_elem(&lb_rev, &rk)) {
		struct rev_val rv = {
			.client = p->saddr, .vip = p->daddr, .cport = p->sport, .vport = p->dport,
			.backend_id = fc->be_id, .svc_id = fc->val->svc_id, .mode = MODE_NAT,
		};
		bpf_map_update_elem(&lb_rev, &rk, &rv, BPF_ANY);
	}
	if (rewrite_addr(skb, p->proto, p->l4off, IP_DST_OFF, p->daddr, be->addr))
		return drop(DROP_REWRITE_FAIL);
	count(CNT_NAT_FWD);
	return egress_backend(skb, be, p->saddr, p->proto, p->tot_len);
}

#endif
