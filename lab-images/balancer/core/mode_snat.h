/* mode_snat.h — full NAT: forward rewrites source to (snat address, allocated
 * port) and destination to the backend; the reply (backend -> snat
 * address:port) is translated back to (VIP:port -> client:port). Backends
 * need no route change and never see the client's address.
 *
 * Port allocation (as LVS FULLNAT's local address list): a service has one to
 * MAX_SNAT_ADDRS snat addresses (lb_snat_pool), each with SNAT_PORT_SPAN
 * ports per backend. Each backend hands its (address, port) slots out in turn
 * (lb_snat_next, an atomic cursor; consecutive slots rotate over the
 * addresses), so a slot comes back only after all the others. A slot is
 * claimed with an exclusive insert of its reply entry (BPF_NOEXIST); one still
 * held (a long-lived flow, or one lingering after its close) is skipped, and
 * so is one still resting: given back less than the servers' TIME_WAIT
 * (lb_timeouts snat_rest, 60 s) after its flow's last packet (lb_snat_rest,
 * stamped by the sweep, gc.h). A server's TIME_WAIT socket for that
 * (address, port) would otherwise meet the new SYN from another client
 * 4-tuple and answer it with a bare ACK (or refuse it by PAWS): the client
 * resets and retries a second later. Only when every slot tried rests does a
 * resting one go out, counted snat_early: more new flows than the pool
 * sustains (ports x addresses / 60 s per backend). A flow that finds no slot
 * at all is dropped (snat_ports) and leaves nothing behind: no entry, no
 * active count.
 *
 * A new connection on the 5-tuple of a closed one (the client reuses its
 * port, or retries after a reset) that lands on the same backend takes the
 * same address and port again: the backend then sees the same peer, whose TCP
 * timestamps carry on, so a TIME_WAIT socket of the old connection there
 * accepts the SYN. */
#ifndef LB_MODE_SNAT_H
#define LB_MODE_SNAT_H

#include "egress.h"
#include "flow.h"
#include "csum.h"

#define SNAT_PORT_TRIES 8
#define LB_EEXIST 17 /* the exclusive insert found the port held */

/* Slot n of a pool of na addresses: address index n % na, port n / na. */
static __always_inline void snat_slot(__u32 n, __u32 na, const struct snat_pool *pool, __be32 first,
				      __be32 *addr, __be16 *port)
{
	__u32 s = n % (na * SNAT_PORT_SPAN);
	__u32 i = s % na;
	/* i < na <= MAX_SNAT_ADDRS already; the mask (a power of 2) shows the
	 * verifier, and the empty asm keeps the compiler from dropping it */
	asm volatile("" : "+r"(i));
	*addr = pool ? pool->addrs[i & (MAX_SNAT_ADDRS - 1)] : first;
	*port = bpf_htons(SNAT_PORT_MIN + s / na);
}

/* Is the slot still resting at tick now (given back less than rest ago)? */
static __always_inline int snat_resting(__u32 bid, __be32 addr, __be16 port, __u32 now, __u32 rest)
{
	struct snat_port_key pk = { .backend_id = bid, .addr = addr, .port = port };
	__u32 *last = bpf_map_lookup_elem(&lb_snat_rest, &pk);
	return last && ticks_since(now, *last) < rest;
}

/* Claim an address and port for the flow (its reply entry written): 0 and
 * *addr_out, *out, or DROP_SNAT_PORTS (every slot tried is held),
 * DROP_MAP_FULL (lb_flows took no entry at all). Not inlined: new flows
 * only, and its locals stay off the pipeline's stack. */
static __noinline int snat_claim(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc, __be32 *addr_out,
				 __be16 *out)
{
	__be32 first = fc->val->snat_addr; /* the service's, when the flow was scheduled */
	struct backend *be = fc->be;
	struct flow_val rv;
	reply_entry(ctx, p, fc, MODE_SNAT, &rv);
	struct flow_key rk = { .src = be->addr, .sport = p->dport, .proto = p->proto };
	__u32 bid = fc->be_id;
	if (fc->prev_port && fc->prev_be == bid && fc->prev_addr) {
		rk.dst = fc->prev_addr;
		rk.dport = fc->prev_port;
		struct flow_val *held = bpf_map_lookup_elem(&lb_flows, &rk);
		if ((!held || reply_of(held, &fc->key)) && !flow_write(&rk, &rv, held ? BPF_EXIST : BPF_NOEXIST)) {
			*addr_out = fc->prev_addr;
			*out = fc->prev_port;
			return 0;
		}
	}
	__u32 sid = fc->val->svc_id;
	struct snat_pool *pool = bpf_map_lookup_elem(&lb_snat_pool, &sid);
	__u32 na = pool && pool->n ? pool->n : 1;
	if (na > MAX_SNAT_ADDRS)
		na = MAX_SNAT_ADDRS;
	if (!pool || !pool->n)
		pool = 0; /* the service's snat_addr alone */
	__u32 rest = snat_rest();
	__u32 *next = bpf_map_lookup_elem(&lb_snat_next, &bid);
	__u32 h = hash_flow(&fc->key);
	__be32 spare_addr = 0;
	__be16 spare_port = 0;
#pragma unroll
	for (int i = 0; i < SNAT_PORT_TRIES; i++) {
		__u32 n = next ? __sync_fetch_and_add(next, 1) : h + i * 7919u;
		__be32 addr;
		__be16 port;
		snat_slot(n, na, pool, first, &addr, &port);
		if (snat_resting(bid, addr, port, fc->now, rest)) {
			if (!spare_port) {
				spare_addr = addr;
				spare_port = port;
			}
			continue;
		}
		rk.dst = addr;
		rk.dport = port;
		long e = flow_write(&rk, &rv, BPF_NOEXIST);
		if (!e) {
			*addr_out = addr;
			*out = port;
			return 0;
		}
		if (e != -LB_EEXIST)
			return DROP_MAP_FULL;
	}
	if (spare_port) {
		/* every slot tried rests or is held: the first resting one goes */
		rk.dst = spare_addr;
		rk.dport = spare_port;
		long e = flow_write(&rk, &rv, BPF_NOEXIST);
		if (!e) {
			count(CNT_SNAT_EARLY);
			*addr_out = spare_addr;
			*out = spare_port;
			return 0;
		}
		if (e != -LB_EEXIST)
			return DROP_MAP_FULL;
	}
	return DROP_SNAT_PORTS;
}

static __always_inline int mode_snat_fwd(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct backend *be = fc->be;
	__be32 snat = fc->val->snat_addr; /* the service's first, then the flow's own (claimed) */
	if (!snat)
		return DROP_BAD_SERVICE;

	/* A port is claimed (and its reply entry written) when the flow is
	 * (re)scheduled; see lb_flows in maps.h for why not re-checked per packet. */
	__be16 port = fc->val->snat_port;
	int r;
	if (fc->is_new || !port) {
		r = snat_claim(ctx, p, fc, &snat, &port);
		if (r < 0) {
			flow_drop(fc);
			return r;
		}
		fc->val->snat_addr = snat;
		fc->val->snat_port = port;
	}

	r = rewrite_addrs(ctx, p->l4, p->l4off, p->saddr, snat, p->daddr, be->addr);
	if (r >= 0)
		r = rewrite_port(ctx, p->l4, p->l4off, p->l4off, p->sport, port);
	if (r < 0)
		return r;
	return fwd_sent(fc, CNT_SNAT_FWD, egress_backend(ctx, be, snat, p->proto, p->tot_len));
}

#endif
