/* stats.h — per-CPU counters: no atomics on the hot path, the control plane
 * sums the CPUs when it reads. */
#ifndef LB_STATS_H
#define LB_STATS_H

#include "maps.h"

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&lb_counters, &idx);
	if (v)
		*v += 1;
}

/* Count drop `code` (a negative DROP_*, abi.h) and return the verdict. Only
 * the pipeline (lb_main.h verdict()) calls it, with whatever a step
 * returned: the steps themselves only return the code. */
static __always_inline int drop(int code)
{
	__u32 idx = (__u32)(-code) - 1;
	__u64 *v = bpf_map_lookup_elem(&lb_drops, &idx);
	if (v)
		*v += 1;
	return CTX_DROP;
}

/* Packets we do not handle go on to the stack untouched. */
static __always_inline int pass(void)
{
	count(CNT_PASS);
	return LB_PASS;
}

/* Does result v let the packet leave? A verdict, not a drop code: no step
 * returns CTX_DROP (lb_main.h), a failed redirect included. */
static __always_inline int leaves(int v)
{
	return v >= 0;
}

/* Result v of a rewritten packet (a verdict, or a drop code the pipeline
 * counts): count it under idx only if it leaves, so each packet is in
 * exactly one counter (see enum lb_counter). */
static __always_inline int sent(__u32 idx, int v)
{
	if (leaves(v))
		count(idx);
	return v;
}

static __always_inline void count_backend(__u32 id, __u32 len)
{
	struct be_stats *s = bpf_map_lookup_elem(&lb_be_stats, &id);
	if (s) {
		s->packets += 1;
		s->bytes += len;
	}
}

/* A flow scheduled to backend id (its new-flow rate: snat capacity). */
static __always_inline void count_backend_flow(__u32 id)
{
	struct be_stats *s = bpf_map_lookup_elem(&lb_be_stats, &id);
	if (s)
		s->new_flows += 1;
}

/* Active flows are shared across CPUs (lc compares them), hence atomic. */
static __always_inline void active_add(__u32 id, __s64 d)
{
	__u64 *v = bpf_map_lookup_elem(&lb_be_active, &id);
	if (v)
		__sync_fetch_and_add(v, d);
}

#endif /* LB_STATS_H */
