/* sched.h — backend choice for a NEW flow (established flows never come
 * here: see flow.h). The tables are computed by the control plane and
 * written into lb_ring; here we only index them:
 *   maglev  hash(5-tuple) % table_len  (table_len = 65537, prime)
 *   sh      hash(source address) % table_len (same kind of table)
 *   rr/wrr  next position of a per-service sequence (weights = repetitions)
 *   lc      scan of the service's backends: least active flows / weight
 */
#ifndef LB_SCHED_H
#define LB_SCHED_H

#include "maps.h"
#include "hash.h"

/* A backend may take a new flow of service sid: it belongs to the service,
 * is healthy and not draining (weight 0). */
static __always_inline struct backend *backend_for_new(__u32 id, __u32 sid)
{
	if (id >= MAX_BACKENDS)
		return 0;
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be || be->svc_id != sid || !(be->flags & BE_F_HEALTHY) || be->weight == 0)
		return 0;
	return be;
}

static __always_inline int pick_lc(__u32 sid, __u32 *out)
{
	struct svc_backends *l = bpf_map_lookup_elem(&lb_svc_bes, &sid);
	if (!l)
		return DROP_BAD_SERVICE; /* an array of MAX_SERVICES: for the verifier */
	__u32 n = l->n;
	__u64 best_a = 0, best_w = 0;
	int found = DROP_NO_BACKEND;
	for (__u32 i = 0; i < MAX_SVC_BACKENDS; i++) {
		if (i >= n)
			break;
		__u32 id = l->ids[i];
		struct backend *be = backend_for_new(id, sid);
		if (!be)
			continue;
		__u64 *a = bpf_map_lookup_elem(&lb_be_active, &id);
		__u64 act = a ? *a : 0;
		if ((__s64)act < 0)
			act = 0; /* a give-back that raced a reset (gc.h) */
		/* act/w < best_a/best_w without division */
		if (found < 0 || act * best_w < best_a * be->weight) {
			best_a = act;
			best_w = be->weight;
			*out = id;
			found = 0;
		}
	}
	return found;
}

/* Choose a backend for a new flow of IPv4 key fk or (fk NULL) IPv6 key
 * fk6: the callers pass a constant NULL, so each gets its own copy without
 * the other family's branch. Returns 0 and sets *out, or DROP_NO_BACKEND
 * (none may take it: an empty table counts so), or DROP_BAD_SERVICE (an id
 * or table length out of range). */
static __always_inline int pick_backend_of(struct svc_info *svc, const struct flow_key *fk,
					   const struct flow_key6 *fk6, __u32 *out)
{
	__u32 sid = svc->id;
	if (sid >= MAX_SERVICES)
		return DROP_BAD_SERVICE;
	if (svc->sched == SCHED_LC)
		return pick_lc(sid, out);

	__u32 len = svc->table_len;
	if (len == 0)
		return DROP_NO_BACKEND;
	if (len > RING_SIZE)
		return DROP_BAD_SERVICE;
	__u32 idx;
	if (svc->sched == SCHED_SH) {
		idx = (fk ? hash_src(fk->src) : hash_src6(&fk6->src)) % len;
	} else if (svc->sched == SCHED_RR || svc->sched == SCHED_WRR) {
		__u64 *c = bpf_map_lookup_elem(&lb_rr_ctr, &sid);
		if (!c)
			return DROP_BAD_SERVICE; /* an array of MAX_SERVICES: for the verifier */
		idx = (__u32)(__sync_fetch_and_add(c, 1) % len);
	} else {
		idx = (fk ? hash_flow(fk) : hash_flow6(fk6)) % len;
	}

	/* The table normally holds only eligible backends; while the control
	 * plane rewrites it an entry may name one just marked down, so probe a
	 * few following slots instead of failing the flow. */
#pragma unroll
	for (int t = 0; t < 4; t++) {
		__u32 key = sid * RING_SIZE + idx;
		__u32 *id = bpf_map_lookup_elem(&lb_ring, &key);
		if (id && backend_for_new(*id, sid)) {
			*out = *id;
			return 0;
		}
		idx = idx + 1 == len ? 0 : idx + 1;
	}
	return DROP_NO_BACKEND;
}

static __always_inline int pick_backend(struct svc_info *svc, struct flow_key *fk, __u32 *out)
{
	return pick_backend_of(svc, fk, 0, out);
}

static __always_inline int pick_backend6(struct svc_info *svc, const struct flow_key6 *fk6, __u32 *out)
{
	return pick_backend_of(svc, 0, fk6, out);
}

#endif /* LB_SCHED_H */
