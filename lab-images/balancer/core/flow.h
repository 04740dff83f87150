/* flow.h — the per-flow connection table (lb_flows, LRU).
 *
 * An established flow keeps its backend while the backend exists in the
 * service and is healthy — even when the tables change or the backend is
 * draining (weight 0). If the backend was removed or marked unhealthy the
 * flow is re-scheduled. Active-flow accounting (for lc and stats): +1 when a
 * flow is created; TCP flows give it back on the first FIN or RST from the
 * client. UDP has no end, so for UDP the count means "flows assigned" (until
 * LRU eviction) and lc balances assigned flows by weight.
 */
#ifndef LB_FLOW_H
#define LB_FLOW_H

#include "sched.h"
#include "stats.h"
#include "parse.h"

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
	struct flow_val *val;  /* the lb_flows entry (never NULL on success) */
	struct backend *be;
	__u32 be_id;
	__u8 is_new;           /* created or re-scheduled: caller (re)writes lb_rev */
};

/* Find or create the flow of a client->VIP packet. Returns 0 or a DROP_*
 * reason + 1. */
static __always_inline int flow_get(struct pkt *p, struct svc_info *svc, struct flow_ctx *fc)
{
	__u32 sid = svc->id;
	__builtin_memset(&fc->key, 0, sizeof(fc->key)); /* pad bytes are hashed too */
	fc->key.src = p->saddr;
	fc->key.dst = p->daddr;
	fc->key.sport = p->sport;
	fc->key.dport = p->dport;
	fc->key.proto = p->proto;
	fc->is_new = 0;

	int is_tcp = p->proto == IPPROTO_TCP;
	int pure_syn = is_tcp && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;

	struct flow_val *v = bpf_map_lookup_elem(&lb_flows, &fc->key);
	if (v && v->svc_id == sid) {
		/* A fresh SYN on a closed 5-tuple is a new connection (port reuse). */
		if (!(pure_syn && (v->flags & FLOW_F_CLOSING))) {
			struct backend *be = backend_for_existing(v->backend_id, sid);
			if (be) {
				fc->val = v;
				fc->be = be;
				fc->be_id = v->backend_id;
				goto track;
			}
			count(CNT_RESCHED);
		}
		/* the old backend gives the flow up */
		if (!(v->flags & FLOW_F_CLOSING))
			active_add(v->backend_id, -1);
	}

	__u32 id;
	if (pick_backend(svc, &fc->key, &id))
		return P_DROP(DROP_NO_BACKEND);
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be)
		return P_DROP(DROP_NO_BACKEND);
	struct flow_val nv = { .backend_id = id, .svc_id = sid };
	if (bpf_map_update_elem(&lb_flows, &fc->key, &nv, BPF_ANY))
		return P_DROP(DROP_NO_BACKEND);
	v = bpf_map_lookup_elem(&lb_flows, &fc->key);
	if (!v)
		return P_DROP(DROP_NO_BACKEND);
	count(CNT_NEW_FLOW);
	active_add(id, 1);
	fc->val = v;
	fc->be = be;
	fc->be_id = id;
	fc->is_new = 1;

track:
	if (is_tcp && (p->tcp_flags & (TCPF_FIN | TCPF_RST)) && !(fc->val->flags & FLOW_F_CLOSING)) {
		fc->val->flags |= FLOW_F_CLOSING;
		active_add(fc->be_id, -1);
		count(CNT_FLOW_CLOSED);
	}
	return 0;
}

#endif /* LB_FLOW_H */
