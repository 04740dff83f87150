/* lb_main.h — the per-packet pipeline of the balancer (see balancer.bpf.c
 * for the picture). An inline function rather than the program itself so
 * bench.bpf.c can wrap it. */
#ifndef LB_MAIN_H
#define LB_MAIN_H

#include "maps.h"
#include "stats.h"
#include "parse.h"
#include "flow.h"
#include "mode_dsr.h"
#include "mode_tunnel.h"
#include "mode_nat.h"
#include "mode_snat.h"
#include "mode_reverse.h"

static __always_inline int is_vip(__be32 addr)
{
	struct svc_key mk = { .vip = addr };
	return bpf_map_lookup_elem(&lb_services, &mk) != 0;
}

/* A step's result as the program's verdict: a drop code (< 0) is counted
 * and becomes TC_ACT_SHOT; a TC verdict goes through. The one place drops
 * are counted. */
static __always_inline int verdict(int r)
{
	return r < 0 ? drop(r) : r;
}

/* The forward direction of an established or just scheduled flow: a TC
 * verdict or a drop code. */
static __always_inline int lb_forward(struct __sk_buff *skb, struct pkt *p, struct flow_ctx *fc)
{
	fc->len = skb->len; /* as received: what the backend stats count */
	switch (fc->val->mode) {
	case MODE_DSR:
		return mode_dsr(skb, p, fc);
	case MODE_TUNNEL:
		return mode_tunnel(skb, p, fc);
	case MODE_NAT:
		return mode_nat_fwd(skb, p, fc);
	case MODE_SNAT:
		return mode_snat_fwd(skb, p, fc);
	}
	return DROP_BAD_SERVICE;
}

static __always_inline int lb_process(struct __sk_buff *skb)
{
	struct pkt p;

	int r = parse_pkt(skb, &p);
	if (r < 0)
		return verdict(r);
	if (r == P_PASS)
		return pass();
	if (p.has_opts)
		count(CNT_IP_OPTIONS);

	if (p.is_frag || (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP)) {
		if (!is_vip(p.daddr))
			return pass();
		/* Non-first fragments carry no ports, so they cannot be steered
		 * consistently with their first fragment: refuse them all. */
		if (p.is_frag)
			return verdict(DROP_FRAG);
		if (p.proto == IPPROTO_ICMP)
			count(CNT_ICMP_VIP); /* the balancer answers pings to the VIP */
		return pass();
	}

	/* An established packet, either direction: one probe of this CPU's
	 * flow cache (flow_cache.h); lb_flows, the truth, when that misses. */
	struct flow_ctx fc;
	struct fc_words w;
	flow_key_of(&p, &fc.key);
	fc_words_of(&fc.key, &w);
	struct flow_cache_slot *slot = fc_slot(&w);
	int cacheable = fc_cacheable(&p);
	struct flow_val *v = cacheable ? fc_hit(slot, &w) : 0;
	if (v) {
		if (v->flags & FLOW_F_REPLY)
			return verdict(mode_reverse(skb, &p, v));
		if (flow_resume(v, &fc))
			return verdict(lb_forward(skb, &p, &fc));
		/* its backend left or failed: lb_flows decides (re-schedule) */
	}

	v = bpf_map_lookup_elem(&lb_flows, &fc.key);
	if (v && (v->flags & FLOW_F_REPLY)) {
		if (cacheable)
			flow_cache_put(slot, &w, v);
		return verdict(mode_reverse(skb, &p, v));
	}
	if (!v || !flow_established(&p, v, &fc)) {
		struct svc_key k = { .vip = p.daddr, .port = p.dport, .proto = p.proto };
		struct svc_info *svc = bpf_map_lookup_elem(&lb_services, &k);
		if (!svc)
			return pass();
		r = flow_schedule(&p, svc, v, &fc);
		if (r < 0)
			return verdict(r);
	}
	r = lb_forward(skb, &p, &fc);
	/* after the mode ran: snat has claimed its port by now */
	if (fc.val->mode != MODE_SNAT || fc.val->snat_port)
		flow_cache_put(slot, &w, fc.val);
	return verdict(r);
}

#endif /* LB_MAIN_H */
