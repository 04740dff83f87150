/* lb_main.h — the per-packet pipeline of the balancer (see balancer.bpf.c
 * for the picture). An inline function rather than the program itself so
 * bench.bpf.c can wrap it.
 *
 * Return convention, for every step of the pipeline (parse, schedule,
 * rewrite, encapsulate, the modes, egress):
 *   0          go on. From a step in the middle (parse_pkt, flow_schedule,
 *              the rewrites, ipip_encap, set_macs): the next step runs. 0 is
 *              also LB_PASS (ctx.h: TC_ACT_OK, XDP_PASS at XDP), and that is
 *              what it means from a step that ends the packet's way (a mode,
 *              egress_client): on to the kernel's stack.
 *   > 0        a hook verdict, from a step that ends the packet's way:
 *              CTX_REDIRECT (sent out of an interface), at XDP also CTX_TX
 *              (back out of the interface it came in on).
 *   < 0        a drop, DROP_* (abi.h), saying what happened.
 * A step never returns CTX_DROP: a drop is a DROP_* reason, a helper
 * that refuses (bpf_redirect*) included (egress.h redirected()), and
 * verdict() below turns it into drop() + CTX_DROP, so every dropped
 * packet is counted once, under its reason, where it ends. Nor TC_ACT_UNSPEC
 * (-1): negative values are drop codes. A question (is_vip,
 * flow_established, ...) answers 1 or 0; a lookup a pointer or NULL; what
 * the program does is never passed back through an out-parameter.
 * Counting follows the same line: a packet that leaves is counted by its
 * step only once its verdict lets it leave (stats.h sent()), a packet that
 * is not ours by pass(), so each packet ends in exactly one counter. */
#ifndef LB_MAIN_H
#define LB_MAIN_H

#include "maps.h"
#include "stats.h"
#include "parse.h"
#include "flow.h"
#include "icmp_err.h"
#include "mode_dsr.h"
#include "mode_tunnel.h"
#include "mode_nat.h"
#include "mode_snat.h"
#include "mode_reverse.h"
#include "lb_v6.h"

static __always_inline int is_vip(__be32 addr)
{
	struct svc_key mk = { .vip = addr };
	return bpf_map_lookup_elem(&lb_services, &mk) != 0;
}

/* A step's result as the program's verdict: a drop code (< 0) is counted
 * and becomes CTX_DROP; a hook verdict goes through. The one place drops
 * are counted. */
static __always_inline int verdict(int r)
{
	return r < 0 ? drop(r) : r;
}

/* The forward direction of an established or just scheduled flow: a TC
 * verdict or a drop code. */
static __always_inline int lb_forward(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	fc->len = ctx_len(ctx); /* as received: what the backend stats count */
	switch (fc->val->mode) {
	case MODE_DSR:
		return mode_dsr(ctx, p, fc);
	case MODE_TUNNEL:
		return mode_tunnel(ctx, p, fc);
	case MODE_NAT:
		return mode_nat_fwd(ctx, p, fc);
	case MODE_SNAT:
		return mode_snat_fwd(ctx, p, fc);
	}
	return DROP_BAD_SERVICE;
}

/* Fragments (Cilium's way): a first fragment carries the ports and is
 * balanced like any packet of its flow; its identity (addresses, IP id,
 * protocol) and ports go into lb_frags, where the later fragments of the
 * datagram, which carry no ports, find them and follow it (frag_later).
 * A later fragment whose first was not seen (lost, or arrived later) cannot
 * be steered: to a VIP it is dropped (frag), otherwise it is not ours. */
static __always_inline int frag_note(struct pkt *p)
{
	struct frag_key k = { .src = p->saddr, .dst = p->daddr, .id = p->ip_id, .proto = p->proto };
	struct frag_val v = { .sport = p->sport, .dport = p->dport };
	if (bpf_map_update_elem(&lb_frags, &k, &v, BPF_ANY))
		return DROP_MAP_FULL; /* its later fragments could not follow it */
	count(CNT_FRAG_FIRST);
	return 0;
}

/* A later fragment's first fragment, as lb_frags holds it, or NULL. */
static __always_inline struct frag_val *frag_first(struct pkt *p)
{
	struct frag_key k = { .src = p->saddr, .dst = p->daddr, .id = p->ip_id, .proto = p->proto };
	return bpf_map_lookup_elem(&lb_frags, &k);
}

static __always_inline int lb_process(struct lb_ctx *ctx)
{
	struct pkt p;

	int r = parse_pkt(ctx, &p);
	if (r < 0)
		return verdict(r);
	if (!p.is_ipv4)
		return verdict(lb_process6(ctx)); /* IPv6 (lb_v6.h), or not ours */
	if (p.has_opts)
		count(CNT_IP_OPTIONS);

	if (p.frag_later) {
		struct frag_val *f = frag_first(&p);
		if (!f)
			return is_vip(p.daddr) ? verdict(DROP_FRAG) : pass();
		p.sport = f->sport;
		p.dport = f->dport;
	} else if (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP) {
		if (p.proto == IPPROTO_ICMP && !p.is_frag) {
			/* an error about one of our flows: to its backend or client */
			struct icmp_scratch *x = icmp_scratch();
			struct flow_val *ev = x ? icmp_error_flow(ctx, &p, x) : 0;
			if (ev)
				return verdict(icmp_error(ctx, &p, x, ev));
		}
		if (!is_vip(p.daddr))
			return pass();
		if (p.proto == IPPROTO_ICMP)
			count(CNT_ICMP_VIP); /* the balancer answers pings to the VIP */
		return pass();
	}

	/* An established packet, either direction: one probe of this CPU's
	 * flow cache (flow_cache.h); lb_flows, the truth, when that misses or
	 * the copy is due for a check. */
	struct flow_ctx fc;
	struct fc_words w;
	flow_key_of(&p, &fc.key);
	fc_words_of(&fc.key, &w);
	__u32 epoch = fc_epoch();
	struct flow_cache_slot *slot = fc_slot(&w);
	int cacheable = fc_cacheable(&p);
	struct flow_val *v = cacheable ? fc_hit(slot, &w) : 0;
	if (v && fc_fresh(slot, epoch)) {
		if (v->flags & FLOW_F_REPLY)
			return verdict(mode_reverse(ctx, &p, v));
		/* TCP: the packet that establishes the flow marks lb_flows */
		if ((p.proto != IPPROTO_TCP || (v->state & FLOW_S_EST)) && flow_resume(v, &fc))
			return verdict(lb_forward(ctx, &p, &fc));
		/* its backend left or failed: lb_flows decides (re-schedule) */
	}

	fc.now = lb_now();
	v = bpf_map_lookup_elem(&lb_flows, &fc.key);
	if (v && (v->flags & FLOW_F_REPLY)) {
		if (!reply_expired(&fc.key, v, fc.now)) {
			if (p.frag_later) {
				count(CNT_FRAG_LATER);
			} else {
				reply_track(&p, v, fc.now);
				r = p.is_frag ? frag_note(&p) : 0;
				if (r < 0)
					return verdict(r);
			}
			if (cacheable)
				flow_cache_put(slot, &w, v, epoch);
			return verdict(mode_reverse(ctx, &p, v));
		}
		v = 0; /* its flow is over: the packet is not ours any more */
	}
	if (p.frag_later) {
		/* it follows its datagram's flow; it never starts or changes one */
		if (!v || !flow_resume(v, &fc))
			return verdict(DROP_FRAG);
		count(CNT_FRAG_LATER);
	} else if (!v || !flow_established(ctx, &p, v, &fc)) {
		struct svc_key k = { .vip = p.daddr, .port = p.dport, .proto = p.proto };
		struct svc_info *svc = bpf_map_lookup_elem(&lb_services, &k);
		if (!svc)
			return pass();
		r = flow_schedule(ctx, &p, svc, v, &fc);
		if (r < 0)
			return verdict(r);
	}
	if (p.is_frag && !p.frag_later) {
		r = frag_note(&p);
		if (r < 0)
			return verdict(r);
	}
	r = lb_forward(ctx, &p, &fc);
	/* after the mode ran: snat has claimed its port by now (or dropped the flow) */
	if (r >= 0 && (fc.val->mode != MODE_SNAT || fc.val->snat_port))
		flow_cache_put(slot, &w, fc.val, epoch);
	return verdict(r);
}

#endif /* LB_MAIN_H */
