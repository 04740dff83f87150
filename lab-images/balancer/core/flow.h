/* flow.h — the per-flow connection table (lb_flows, LRU): state, lifetimes,
 * and the forward side.
 *
 * An established flow keeps its backend while the backend exists in the
 * service and is healthy — even when the tables change or the backend is
 * draining (weight 0). If the backend was removed or marked unhealthy the
 * flow is re-scheduled.
 *
 * Lifetimes (like IPVS's and conntrack's per-state timeouts): every entry
 * carries the tick of its last packet (last_seen, either direction) and what
 * the flow has seen (state: FLOW_S_*). An entry idle for longer than the
 * timeout of its state (lb_timeouts: SYN, established, half-closed, closed
 * linger, UDP) is expired: a packet that finds its flow expired schedules it
 * afresh (flow_expired), and the sweep (gc.h, run by the control plane every
 * second or so) deletes expired entries, which gives their snat ports back.
 * Both entries of a nat/snat flow carry the same state (mirrored when it
 * changes) and last_seen (refreshed together, once per tick), so they expire
 * together.
 *
 * Active-flow accounting (for lc and stats): +1 when a flow is created, given
 * back exactly once (an atomic FLOW_S_RELEASED bit): on the first FIN or RST
 * either way, when the flow is re-scheduled or dropped, or when the sweep
 * removes it. UDP has no end, so for UDP the count means "flows assigned"
 * until they expire.
 *
 * The pipeline (lb_main.h) looks the packet's 5-tuple up first, in this
 * CPU's flow cache (flow_cache.h), then in lb_flows: a forward entry that
 * flow_resume() (cached copy) / flow_established() accepts needs no service
 * lookup at all; otherwise the service is looked up and flow_schedule()
 * (re)creates it. lb_flows is only written through flow_write().
 */
#ifndef LB_FLOW_H
#define LB_FLOW_H

#include "sched.h"
#include "stats.h"
#include "parse.h"
#include "flow_cache.h"

/* The data plane's clock: CLOCK_MONOTONIC (coarse: no TSC read) in ticks of
 * 2^30 ns (~1.07 s). Timeouts are whole ticks (abi.h struct flow_timeouts). */
#define LB_TICK_SHIFT 30

static __always_inline __u32 lb_now(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() >> LB_TICK_SHIFT);
}

/* Used while the control plane has written no timeouts: the contract's
 * DEFAULT_FLOW_TIMEOUTS (contract/config.ts, seconds) in ticks, as the agent
 * converts them (ticksOf); test/unit/balancer/flow-lifetimes.test.ts fails
 * when they differ. */
#define TO_TCP_SYN_DEF    19  /* ~20 s */
#define TO_TCP_EST_DEF    280 /* ~300 s */
#define TO_TCP_FIN_DEF    28  /* ~30 s */
#define TO_TCP_CLOSED_DEF 3   /* ~3 s */
#define TO_UDP_DEF        28  /* ~30 s */

/* snat: a port given back rests this long (from its flow's last packet)
 * before it goes to the same backend again while another may be had: Linux's
 * TIME_WAIT is 60 s, and last_seen is rounded down to a tick. */
#define SNAT_REST_DEF     57  /* ~61 s */

#define FLOW_S_FINS (FLOW_S_FIN_FWD | FLOW_S_FIN_REV)
#define FLOW_S_ENDING (FLOW_S_FINS | FLOW_S_RST)

/* The timeout (ticks) of a flow of protocol proto in state st. */
static __always_inline __u32 flow_timeout(__u8 proto, __u32 st)
{
	__u32 zero = 0;
	struct flow_timeouts *to = bpf_map_lookup_elem(&lb_timeouts, &zero);
	__u32 t, d;
	if (proto != IPPROTO_TCP) {
		t = to ? to->udp : 0;
		d = TO_UDP_DEF;
	} else if ((st & FLOW_S_RST) || (st & FLOW_S_FINS) == FLOW_S_FINS) {
		t = to ? to->tcp_closed : 0;
		d = TO_TCP_CLOSED_DEF;
	} else if (st & FLOW_S_FINS) {
		t = to ? to->tcp_fin : 0;
		d = TO_TCP_FIN_DEF;
	} else if (st & FLOW_S_EST) {
		t = to ? to->tcp_est : 0;
		d = TO_TCP_EST_DEF;
	} else {
		t = to ? to->tcp_syn : 0;
		d = TO_TCP_SYN_DEF;
	}
	return t ? t : d;
}

static __always_inline __u32 snat_rest(void)
{
	__u32 zero = 0;
	struct flow_timeouts *to = bpf_map_lookup_elem(&lb_timeouts, &zero);
	return to && to->snat_rest ? to->snat_rest : SNAT_REST_DEF;
}

/* A snat port toward backend bid from address addr is given back; its flow
 * last saw a packet at tick last: it rests from then (mode_snat.h). */
static __always_inline void snat_port_rests(__u32 bid, __be32 addr, __be16 port, __u32 last)
{
	struct snat_port_key pk = { .backend_id = bid, .addr = addr, .port = port };
	bpf_map_update_elem(&lb_snat_rest, &pk, &last, BPF_ANY);
}

/* An IPv6 snat address as lb_snat_rest's 32-bit address: its words xor-ed.
 * A service has one; a clash with another address only makes a port rest
 * that need not. */
static __always_inline __be32 snat6_rest_addr(const struct addr6 *a)
{
	return a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3];
}

/* Ticks from stamp `then` to tick `now`, 0 if the stamp is later: another
 * CPU may stamp the next tick while this one still holds the last (the sweep
 * reads the clock once per pass, and a pass over a full table is many ms).
 * Unsigned, that stamp would read as 2^32 - 1 ticks ago: the sweep deleted
 * live flows a moment after their SYN, and their next packet, scheduled
 * afresh to a new snat port, met the server's reset. */
static __always_inline __u32 ticks_since(__u32 now, __u32 then)
{
	__s32 d = (__s32)(now - then);
	return d > 0 ? (__u32)d : 0;
}

/* Has entry v (of protocol proto) been idle past its timeout at tick now? */
static __always_inline int flow_expired(__u8 proto, const struct flow_val *v, __u32 now)
{
	return ticks_since(now, v->last_seen) > flow_timeout(proto, v->state);
}

/* Give forward entry v's active-flow count back, once whoever calls. */
static __always_inline void flow_release(struct flow_val *v)
{
	if (!(__sync_fetch_and_or(&v->state, FLOW_S_RELEASED) & FLOW_S_RELEASED))
		active_add(v->backend_id, -1);
}

/* Add state bits to forward entry v; the first FIN or RST either way gives
 * the active count back. Returns the bits that were new. */
static __always_inline __u32 flow_mark(struct flow_val *v, __u32 bits)
{
	if ((v->state & bits) == bits)
		return 0; /* nothing new: no atomic on the shared entry */
	if (bits & FLOW_S_ENDING)
		bits |= FLOW_S_RELEASED;
	__u32 old = __sync_fetch_and_or(&v->state, bits);
	if ((bits & FLOW_S_RELEASED) && !(old & FLOW_S_RELEASED)) {
		active_add(v->backend_id, -1);
		count(CNT_FLOW_CLOSED);
	}
	return bits & ~old;
}

/* What a TCP packet (either family) tells about its flow; fwd: sent by the client. */
static __always_inline __u32 tcp_flag_state_bits(__u8 proto, __u8 l4, __u8 flags, int fwd)
{
	if (proto != IPPROTO_TCP || !l4)
		return 0;
	__u32 b = 0;
	if (flags & TCPF_RST)
		b |= FLOW_S_RST;
	if (flags & TCPF_FIN)
		b |= fwd ? FLOW_S_FIN_FWD : FLOW_S_FIN_REV;
	if (fwd && !(flags & TCPF_SYN))
		b |= FLOW_S_EST;
	return b;
}

static __always_inline __u32 tcp_state_bits(const struct pkt *p, int fwd)
{
	return tcp_flag_state_bits(p->proto, p->l4, p->tcp_flags, fwd);
}

/* Backend still valid for an EXISTING flow of service sid. */
static __always_inline struct backend *backend_for_existing(__u32 id, __u32 sid)
{
	if (id >= MAX_BACKENDS)
		return 0;
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be || be->svc_id != sid || !(be->flags & BE_F_HEALTHY))
		return 0;
	return be;
}

struct flow_ctx {
	struct flow_key key;
	struct flow_val *val;  /* the lb_flows forward entry (never NULL on success) */
	struct backend *be;
	__u32 be_id;
	__u32 len;             /* the frame's length as received (backend stats) */
	__u32 now;             /* lb_now() */
	__u8 is_new;           /* created or re-scheduled: caller (re)writes the reply entry */
	__be16 prev_port;      /* re-scheduled snat flow: the address and port its */
	__be32 prev_addr;      /* 5-tuple held, toward this backend */
	__u32 prev_be;         /* (mode_snat.h reuses them) */
};

/* A forward packet's result v: counted under the mode's counter idx and in
 * its backend's packets and bytes only if it leaves toward the backend. */
static __always_inline int fwd_sent(struct flow_ctx *fc, __u32 idx, int v)
{
	if (leaves(v))
		count_backend(fc->be_id, fc->len);
	return sent(idx, v);
}

static __always_inline void flow_key_of(struct pkt *p, struct flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k)); /* pad bytes are hashed too */
	k->src = p->saddr;
	k->dst = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
}

/* The key of the reply entry of forward entry v (nat/snat) toward backend
 * address be_addr; fk is the forward key. */
static __always_inline void reply_key_of(const struct flow_key *fk, const struct flow_val *v, __be32 be_addr,
					 struct flow_key *rk)
{
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->src = be_addr;
	rk->sport = fk->dport;
	rk->proto = fk->proto;
	if (v->mode == MODE_SNAT) {
		rk->dst = v->snat_addr;
		rk->dport = v->snat_port;
	} else {
		rk->dst = fk->src;
		rk->dport = fk->sport;
	}
}

/* The key of the forward entry a reply entry rv belongs to. */
static __always_inline void fwd_key_of(const struct flow_val *rv, __u8 proto, struct flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src = rv->client;
	k->dst = rv->vip;
	k->sport = rv->cport;
	k->dport = rv->vport;
	k->proto = proto;
}

/* Does reply entry rv belong to the client side of forward key fk? */
static __always_inline int reply_of(const struct flow_val *rv, const struct flow_key *fk)
{
	return (rv->flags & FLOW_F_REPLY) && rv->client == fk->src && rv->cport == fk->sport &&
	       rv->vip == fk->dst && rv->vport == fk->dport;
}

static __always_inline int pure_syn(struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
}

/* Forward entry v goes on while its backend is still in the service and
 * healthy: fills fc and returns 1. Alone, this is the whole check for a
 * cached copy (flow_cache.h), whose packets cannot change their flow (no
 * SYN/FIN/RST). */
static __always_inline int flow_resume(struct flow_val *v, struct flow_ctx *fc)
{
	struct backend *be = backend_for_existing(v->backend_id, v->svc_id);
	if (!be)
		return 0;
	fc->val = v;
	fc->be = be;
	fc->be_id = v->backend_id;
	fc->is_new = 0;
	fc->prev_port = 0;
	return 1;
}

/* The reply entry (nat/snat, `mode`) of the request in hand: what its
 * replies get back (client and VIP side), and their L2 return path, learned
 * from the request before its MACs are rewritten. */
static __always_inline void reply_entry(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc,
					__u8 mode, struct flow_val *rv)
{
	*rv = (struct flow_val){
		.client = p->saddr, .vip = p->daddr, .cport = p->sport, .vport = p->dport,
		.backend_id = fc->be_id, .svc_id = fc->val->svc_id, .mode = mode,
		.flags = FLOW_F_REPLY, .state = fc->val->state & ~FLOW_S_RELEASED, .last_seen = fc->now,
	};
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return;
	rv->ifindex = ctx_ifindex(ctx);
	mac_copy(rv->l2_dst, eth->h_source);
	mac_copy(rv->l2_src, eth->h_dest);
}

/* Write forward flow fc's reply entry rk again (it went missing). Did it
 * go in? Not when another flow took the key meanwhile. */
static __noinline int reply_restored(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc, struct flow_key *rk)
{
	struct flow_val rv;
	reply_entry(ctx, p, fc, fc->val->mode, &rv);
	return flow_write(rk, &rv, BPF_NOEXIST) == 0;
}

/* Ticks between two refreshes of an established nat/snat flow's reply entry
 * by its forward packets while lb_flows is calm (reply_due). Per tick, a
 * flow table far beyond the CPU's caches paid a second cold lookup on most
 * forward packets (nat and snat cost 2-3 times dsr at 10^6 flows). The reply
 * entry's own stamp may then lag its flow's by this much: reply_expired()
 * and the sweep ask the forward entry before they take a lagging reply entry
 * for expired. */
#define REPLY_REFRESH_TICKS 8

/* Is it time for forward entry v to refresh its reply entry (at tick now)?
 * On every tick of the flow while it opens or closes (short timeouts), and
 * while lb_flows evicts: then the refresh is what keeps the reply entry
 * recent to the LRU and puts it back when it was taken (a reply entry
 * missing is a reply left untranslated). Calm (the last sweep found fewer
 * than live / 64 entries evicted since the one before, about a second: less
 * than an eighth of the table turns over in REPLY_REFRESH_TICKS), every
 * REPLY_REFRESH_TICKS. */
static __always_inline int reply_due(__u8 proto, const struct flow_val *v, __u32 now)
{
	if (proto == IPPROTO_TCP && (v->state & (FLOW_S_EST | FLOW_S_ENDING)) != FLOW_S_EST)
		return 1;
	__u32 zero = 0;
	struct flow_pressure *fp = bpf_map_lookup_elem(&lb_flow_pressure, &zero);
	if (!fp || !fp->calm)
		return 1;
	return ticks_since(now, v->rseen) >= REPLY_REFRESH_TICKS;
}

/* What a forward packet tells its flow (fc, resumed or just scheduled):
 * state bits, mirrored into the reply entry when new (it needs them for its
 * own timeout), last_seen once per tick, and on the reply entry every few
 * ticks (reply_due; which also tells the LRU both are in use). The reply
 * entry is checked on the way: a nat/snat flow whose reply entry went
 * missing (LRU eviction) gets it back, one whose snat port another flow
 * holds now cannot go on. Can the flow go on? 1; 0: schedule it afresh. */
static __always_inline int flow_tracked(struct lb_ctx *ctx, struct pkt *p, struct flow_ctx *fc)
{
	struct flow_val *v = fc->val;
	__u32 fresh = flow_mark(v, tcp_state_bits(p, 1));
	int touch = v->last_seen != fc->now;
	if (!fresh && !touch)
		return 1;
	if (touch)
		v->last_seen = fc->now;
	if (v->mode != MODE_NAT && v->mode != MODE_SNAT)
		return 1;
	if (v->mode == MODE_SNAT && !v->snat_port)
		return 1; /* its port is being claimed (mode_snat.h) */
	if (!fresh && !reply_due(p->proto, v, fc->now))
		return 1;
	v->rseen = fc->now;
	struct flow_key rk;
	reply_key_of(&fc->key, v, fc->be->addr, &rk);
	struct flow_val *rv = bpf_map_lookup_elem(&lb_flows, &rk);
	if (rv) {
		if (!reply_of(rv, &fc->key))
			return 0; /* its snat port went to another flow */
		rv->last_seen = fc->now;
		if (fresh)
			rv->state |= fresh & ~FLOW_S_RELEASED;
		return 1;
	}
	return reply_restored(ctx, p, fc, &rk);
}

/* A reply packet (backend -> client) on reply entry rv: state bits (FIN or
 * RST from the backend) into both entries, last_seen on both once per tick. */
static __always_inline void reply_track(struct pkt *p, struct flow_val *rv, __u32 now)
{
	__u32 bits = tcp_state_bits(p, 0);
	int touch = rv->last_seen != now;
	if ((!bits || (rv->state & bits) == bits) && !touch)
		return;
	rv->last_seen = now;
	rv->state |= bits;
	struct flow_key k;
	fwd_key_of(rv, p->proto, &k);
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &k);
	if (!v || (v->flags & FLOW_F_REPLY) || v->backend_id != rv->backend_id)
		return;
	v->last_seen = now;
	if (bits)
		flow_mark(v, bits);
}

/* Is reply entry rv (of the packet with key rk) idle past its timeout at
 * tick now? Its own stamp may lag its flow's (REPLY_REFRESH_TICKS): before
 * it counts as expired, its forward entry is asked, and when that one is
 * live (the same flow: backend, and snat address and port) the reply entry
 * takes its stamp. */
static __noinline int reply_stamp_lags(const struct flow_key *rk, struct flow_val *rv, __u32 now);

static __always_inline int reply_expired(const struct flow_key *rk, struct flow_val *rv, __u32 now)
{
	return flow_expired(rk->proto, rv, now) && !reply_stamp_lags(rk, rv, now);
}

/* Not inlined: rare (an idle or forward-only flow), and its key stays off
 * the pipeline's stack. Does rv's live forward entry vouch for it? 1: rv
 * took its stamp. */
static __noinline int reply_stamp_lags(const struct flow_key *rk, struct flow_val *rv, __u32 now)
{
	struct flow_key k;
	fwd_key_of(rv, rk->proto, &k);
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &k);
	if (!v || (v->flags & FLOW_F_REPLY) || v->backend_id != rv->backend_id || flow_expired(rk->proto, v, now))
		return 0;
	if (v->mode == MODE_SNAT && (v->snat_port != rk->dport || v->snat_addr != rk->dst))
		return 0;
	rv->last_seen = v->last_seen;
	return 1;
}

/* Is forward entry v (for fc->key) still good for this packet? Fills fc
 * and returns 1 if so; 0 means: schedule it again (flow_schedule). */
static __always_inline int flow_established(struct lb_ctx *ctx, struct pkt *p, struct flow_val *v,
					    struct flow_ctx *fc)
{
	/* A fresh SYN on a closing 5-tuple is a new connection (port reuse). */
	if (pure_syn(p) && (v->state & FLOW_S_ENDING))
		return 0;
	if (flow_expired(p->proto, v, fc->now)) {
		count(CNT_FLOW_EXPIRED);
		return 0;
	}
	if (!flow_resume(v, fc) || !flow_tracked(ctx, p, fc)) {
		count(CNT_RESCHED);
		return 0;
	}
	return 1;
}

/* Schedule the flow of fc->key on service svc; old is its previous forward
 * entry, if any. 0, or DROP_NO_BACKEND / DROP_BAD_SERVICE (pick_backend),
 * DROP_MAP_FULL (its entry could not be written). */
static __always_inline int flow_schedule(struct lb_ctx *ctx, struct pkt *p, struct svc_info *svc,
					 struct flow_val *old, struct flow_ctx *fc)
{
	__u32 sid = svc->id;
	fc->prev_port = 0;
	/* the old backend gives the flow up */
	if (old) {
		flow_release(old);
		if (old->mode == MODE_SNAT) {
			fc->prev_port = old->snat_port;
			fc->prev_addr = old->snat_addr;
			fc->prev_be = old->backend_id;
		}
	}

	__u32 id;
	int r = pick_backend(svc, &fc->key, &id);
	if (r < 0)
		return r;
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be)
		return DROP_NO_BACKEND;
	struct flow_val nv = { .backend_id = id, .svc_id = sid, .mode = svc->mode, .snat_addr = svc->snat_addr,
			       .last_seen = fc->now, .rseen = fc->now };
	if (old ? flow_write(&fc->key, &nv, BPF_ANY) : flow_write_new(&fc->key, &nv))
		return DROP_MAP_FULL;
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &fc->key);
	if (!v)
		return DROP_MAP_FULL; /* evicted as soon as written */
	count(CNT_NEW_FLOW);
	count_backend_flow(id);
	active_add(id, 1);
	fc->val = v;
	fc->be = be;
	fc->be_id = id;
	fc->is_new = 1;
	/* the reply entry is the mode's to write (is_new): only state here */
	flow_mark(v, tcp_state_bits(p, 1));
	return 0;
}

/* Remove forward entry fc (a flow that cannot go on: no snat port) and give
 * its count back. */
static __always_inline void flow_drop(struct flow_ctx *fc)
{
	flow_release(fc->val);
	if (!bpf_map_delete_elem(&lb_flows, &fc->key))
		count(CNT_FLOW_DROPPED);
	flow_cache_forget(&fc->key);
}

#endif /* LB_FLOW_H */
