/* flow.h — the per-flow connection table (lb_flows, LRU), forward side.
 *
 * An established flow keeps its backend while the backend exists in the
 * service and is healthy — even when the tables change or the backend is
 * draining (weight 0). If the backend was removed or marked unhealthy the
 * flow is re-scheduled. Active-flow accounting (for lc and stats): +1 when a
 * flow is created; TCP flows give it back on the first FIN or RST from the
 * client. UDP has no end, so for UDP the count means "flows assigned" (until
 * LRU eviction) and lc balances assigned flows by weight.
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
	__u8 is_new;           /* created or re-scheduled: caller (re)writes the reply entry */
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

static __always_inline int pure_syn(struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
}

/* FIN or RST from the client: the flow gives its active count back once. */
static __always_inline void flow_track(struct pkt *p, struct flow_ctx *fc)
{
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TCPF_FIN | TCPF_RST)) &&
	    !(fc->val->flags & FLOW_F_CLOSING)) {
		fc->val->flags |= FLOW_F_CLOSING;
		active_add(fc->be_id, -1);
		count(CNT_FLOW_CLOSED);
	}
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
	return 1;
}

/* Is forward entry v (for fc->key) still good for this packet? Fills fc
 * and returns 1 if so; 0 means: schedule it again (flow_schedule). */
static __always_inline int flow_established(struct pkt *p, struct flow_val *v, struct flow_ctx *fc)
{
	/* A fresh SYN on a closed 5-tuple is a new connection (port reuse). */
	if (pure_syn(p) && (v->flags & FLOW_F_CLOSING))
		return 0;
	if (!flow_resume(v, fc)) {
		count(CNT_RESCHED);
		return 0;
	}
	flow_track(p, fc);
	return 1;
}

/* The reply entry (nat/snat, `mode`) of the request in hand: what its
 * replies get back (client and VIP side), and their L2 return path, learned
 * from the request before its MACs are rewritten. */
static __always_inline void reply_entry(struct __sk_buff *skb, struct pkt *p, struct flow_ctx *fc,
					__u8 mode, struct flow_val *rv)
{
	*rv = (struct flow_val){
		.client = p->saddr, .vip = p->daddr, .cport = p->sport, .vport = p->dport,
		.backend_id = fc->be_id, .svc_id = fc->val->svc_id, .mode = mode,
		.flags = FLOW_F_REPLY,
	};
	void *data, *data_end;
	skb_data_ptrs(skb, data, data_end);
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return;
	rv->ifindex = skb->ingress_ifindex;
	mac_copy(rv->l2_dst, eth->h_source);
	mac_copy(rv->l2_src, eth->h_dest);
}

/* Schedule the flow of fc->key on service svc; old is its previous forward
 * entry, if any. Returns 0 or DROP_NO_BACKEND. */
static __always_inline int flow_schedule(struct pkt *p, struct svc_info *svc, struct flow_val *old,
					 struct flow_ctx *fc)
{
	__u32 sid = svc->id;
	/* the old backend gives the flow up */
	if (old && old->svc_id == sid && !(old->flags & FLOW_F_CLOSING))
		active_add(old->backend_id, -1);

	__u32 id;
	int r = pick_backend(svc, &fc->key, &id);
	if (r < 0)
		return r;
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be)
		return DROP_NO_BACKEND;
	struct flow_val nv = { .backend_id = id, .svc_id = sid, .mode = svc->mode, .snat_addr = svc->snat_addr };
	if (flow_write(&fc->key, &nv, BPF_ANY))
		return DROP_NO_BACKEND;
	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &fc->key);
	if (!v)
		return DROP_NO_BACKEND;
	count(CNT_NEW_FLOW);
	active_add(id, 1);
	fc->val = v;
	fc->be = be;
	fc->be_id = id;
	fc->is_new = 1;
	flow_track(p, fc);
	return 0;
}

#endif /* LB_FLOW_H */
