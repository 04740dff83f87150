/* mode_snat.h — full NAT: forward rewrites source to (snat address, allocated
 * port) and destination to the backend; the reply (backend -> snat
 * address:port) is translated back to (VIP:port -> client:port). Backends
 * need no route change and never see the client's address.
 *
 * Port allocation: each backend hands its ports out in turn (lb_snat_next,
 * an atomic cursor over [SNAT_PORT_MIN, +SNAT_PORT_SPAN)); a port is claimed
 * with an exclusive insert of its reply entry (BPF_NOEXIST), and a port still
 * held (a long-lived flow, or one lingering after its close) is skipped, a
 * few at most. Ports come back when their flow's entries expire (flow.h): the
 * sweep deletes them. A flow that finds no port is dropped (snat_ports) and
 * leaves nothing behind: no entry, no active count.
 *
 * A new connection on the 5-tuple of a closed one (the client reuses its
 * port, or retries after a reset) that lands on the same backend takes the
 * same port again: the backend then sees the same peer, whose TCP
 * timestamps carry on, so a TIME_WAIT socket of the old connection there
 * accepts the SYN (a port last used by another client 4-tuple is refused by
 * PAWS about half the time: see README, Limits). */
#ifndef LB_MODE_SNAT_H
#define LB_MODE_SNAT_H

#include "egress.h"
#include "flow.h"
#include "csum.h"

#define SNAT_PORT_TRIES 8
#define LB_EEXIST 17 /* the exclusive insert found the port held */

/* Claim a port for the flow (its reply entry written): 0 and *out, or
 * DROP_SNAT_PORTS (every port tried is held), DROP_MAP_FULL (lb_flows took
 * no entry at all). Not inlined: new flows only, and its locals stay off
 * the pipeline's stack. */
static __noinline int snat_claim_port(struct __sk_buff *skb, struct pkt *p, struct flow_ctx *fc,
					   __be32 snat_addr, __be16 *out)
{
	struct backend *be = fc->be;
	struct flow_val rv;
	reply_entry(skb, p, fc, MODE_SNAT, &rv);
	struct flow_key rk = { .src = be->addr, .dst = snat_addr, .sport = p->dport, .proto = p->proto };
	__u32 bid = fc->be_id;
	if (fc->prev_port && fc->prev_be == bid) {
		rk.dport = fc->prev_port;
		struct flow_val *held = bpf_map_lookup_elem(&lb_flows, &rk);
		if ((!held || reply_of(held, &fc->key)) && !flow_write(&rk, &rv, held ? BPF_EXIST : BPF_NOEXIST)) {
			*out = fc->prev_port;
			return 0;
		}
	}
	__u32 *next = bpf_map_lookup_elem(&lb_snat_next, &bid);
	__u32 h = hash_flow(&fc->key);
#pragma unroll
	for (int i = 0; i < SNAT_PORT_TRIES; i++) {
		__u32 n = next ? __sync_fetch_and_add(next, 1) : h + i * 7919u;
		__be16 port = bpf_htons(SNAT_PORT_MIN + n % SNAT_PORT_SPAN);
		rk.dport = port;
		long e = flow_write(&rk, &rv, BPF_NOEXIST);
		if (!e) {
			*out = port;
			return 0;
		}
		if (e != -LB_EEXIST)
			return DROP_MAP_FULL;
	}
	return DROP_SNAT_PORTS;
}

static __always_inline int mode_snat_fwd(struct __sk_buff *skb, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	__be32 snat = fc->val->snat_addr; /* the service's, when the flow was scheduled */
	if (!snat)
		return DROP_BAD_SERVICE;

	/* A port is claimed (and its reply entry written) when the flow is
	 * (re)scheduled; see lb_flows in maps.h for why not re-checked per packet. */
	__be16 port = fc->val->snat_port;
	int r;
	if (fc->is_new || !port) {
		r = snat_claim_port(skb, p, fc, snat, &port);
		if (r < 0) {
			flow_drop(fc);
			return r;
		}
		fc->val->snat_port = port;
	}

	r = rewrite_addrs(skb, p->l4, p->l4off, p->saddr, snat, p->daddr, be->addr);
	if (r >= 0)
		r = rewrite_port(skb, p->l4, p->l4off, p->l4off, p->sport, port);
	if (r < 0)
		return r;
	return fwd_sent(fc, CNT_SNAT_FWD, egress_backend(skb, be, snat, p->proto, p->tot_len));
}

#endif
