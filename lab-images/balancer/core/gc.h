/* gc.h — the sweep of lb_flows (program lb_gc), run by the control plane
 * with BPF_PROG_TEST_RUN every second or so (the agent: dataplane.ts
 * sweep()); never attached. One pass over every entry, in the kernel, with
 * the data plane's own atomics:
 *  - an entry idle past the timeout of its state (flow.h flow_expired) is
 *    deleted (gc_expired): a closed flow after its linger, an idle one after
 *    its idle timeout. A forward entry gives its active count back if it
 *    still holds it; a snat reply entry's deletion gives its port back,
 *    to rest (lb_snat_rest: stamped with the flow's last packet);
 *  - an entry of a service or backend named in lb_gc_req is deleted too
 *    (gc_flushed), and such a backend's counters (active, packets, bytes,
 *    snat cursor) start again from 0: what the control plane asks when it
 *    removes a service or backend, before their ids can be reused;
 *  - lb_be_gauge gets, per backend, the live forward entries and the snat
 *    ports held; lb_flow_gauge the live entries in all.
 * Every deleted key leaves the per-CPU flow caches too. Deciding from a
 * pointer and deleting by key leaves a window of nanoseconds in which
 * another CPU may refresh the entry: it is then scheduled afresh, as if it
 * had expired a moment later. */
#ifndef LB_GC_H
#define LB_GC_H

#include "flow.h"

struct bpf_map; /* the callback's first argument; opaque here */

struct gc_ctx {
	__u32 now;
	__u32 pad;
	__u64 live;
	struct gc_req req;
};

static long gc_zero_gauge(__u32 i, void *ctx)
{
	struct be_gauge *g = bpf_map_lookup_elem(&lb_be_gauge, &i);
	if (g) {
		g->flows = 0;
		g->snat_ports = 0;
	}
	return 0;
}

static __always_inline int gc_flush_this(const struct gc_req *r, const struct flow_val *v)
{
	__u32 s = v->svc_id, b = v->backend_id;
	if (s < MAX_SERVICES && ((r->svc_mask >> s) & 1))
		return 1;
	return b < MAX_BACKENDS && ((r->be_mask[(b / 64) & (GC_BE_WORDS - 1)] >> (b % 64)) & 1);
}

static long gc_entry(struct bpf_map *map, struct flow_key *k, struct flow_val *v, struct gc_ctx *c)
{
	int flush = gc_flush_this(&c->req, v);
	/* a reply entry's stamp may lag its flow's: reply_expired asks the forward entry */
	int expired = (v->flags & FLOW_F_REPLY) ? reply_expired(k, v, c->now) : flow_expired(k->proto, v, c->now);
	if (!flush && !expired) {
		__u32 b = v->backend_id;
		struct be_gauge *g = bpf_map_lookup_elem(&lb_be_gauge, &b);
		if (g) {
			if (!(v->flags & FLOW_F_REPLY))
				g->flows++;
			else if (v->mode == MODE_SNAT)
				g->snat_ports++;
		}
		c->live++;
		return 0;
	}
	if (!(v->flags & FLOW_F_REPLY))
		flow_release(v);
	else if (v->mode == MODE_SNAT)
		snat_port_rests(v->backend_id, k->dst, k->dport, v->last_seen);
	bpf_map_delete_elem(&lb_flows, k);
	flow_cache_forget(k);
	count(flush ? CNT_GC_FLUSHED : CNT_GC_EXPIRED);
	return 0;
}

/* The same for IPv6 flows (lb_flows6; flow_val6 starts with a flow_val);
 * a snat reply entry's port rests too, under its address folded
 * (snat6_rest_addr). */
static long gc_entry6(struct bpf_map *map, struct flow_key6 *k, struct flow_val6 *v6, struct gc_ctx *c)
{
	struct flow_val *v = &v6->b;
	int flush = gc_flush_this(&c->req, v);
	if (!flush && !flow_expired(k->proto, v, c->now)) {
		__u32 b = v->backend_id;
		struct be_gauge *g = bpf_map_lookup_elem(&lb_be_gauge, &b);
		if (g) {
			if (!(v->flags & FLOW_F_REPLY))
				g->flows++;
			else if (v->mode == MODE_SNAT)
				g->snat_ports++;
		}
		return 0;
	}
	if (!(v->flags & FLOW_F_REPLY))
		flow_release(v);
	else if (v->mode == MODE_SNAT)
		snat_port_rests(v->backend_id, snat6_rest_addr(&k->dst), k->dport, v->last_seen);
	bpf_map_delete_elem(&lb_flows6, k);
	count(flush ? CNT_GC_FLUSHED : CNT_GC_EXPIRED);
	return 0;
}

static long gc_zero_stats_cpu(__u32 cpu, void *ctx)
{
	struct be_stats *st = bpf_map_lookup_percpu_elem(&lb_be_stats, ctx, cpu);
	if (!st)
		return 1; /* past the last CPU */
	st->packets = 0;
	st->bytes = 0;
	st->new_flows = 0;
	return 0;
}

/* A flushed backend's id starts afresh: nothing of its counters is left for
 * whoever gets the id next (after the walk, which gave its flows' counts
 * back). */
static long gc_reset_backend(__u32 i, struct gc_ctx *c)
{
	if (!((c->req.be_mask[(i / 64) & (GC_BE_WORDS - 1)] >> (i % 64)) & 1))
		return 0;
	__u64 *a = bpf_map_lookup_elem(&lb_be_active, &i);
	if (a)
		*a = 0;
	__u32 *n = bpf_map_lookup_elem(&lb_snat_next, &i);
	if (n)
		*n = 0;
	bpf_loop(FLOW_CACHE_MAX_CPUS, gc_zero_stats_cpu, &i, 0);
	return 0;
}

/* The counters the evictions are told by, summed over the CPUs. */
struct gc_sums {
	__s64 added, deleted;
};

static __always_inline __u64 gc_counter(__u32 idx, __u32 cpu)
{
	__u64 *v = bpf_map_lookup_percpu_elem(&lb_counters, &idx, cpu);
	return v ? *v : 0;
}

static long gc_sum_cpu(__u32 cpu, struct gc_sums *s)
{
	__u32 zero = 0;
	if (!bpf_map_lookup_percpu_elem(&lb_counters, &zero, cpu))
		return 1; /* past the last CPU */
	s->added += gc_counter(CNT_FLOW_ADDED, cpu);
	s->deleted += gc_counter(CNT_FLOW_DROPPED, cpu) + gc_counter(CNT_GC_EXPIRED, cpu) + gc_counter(CNT_GC_FLUSHED, cpu);
	return 0;
}

/* lb_flow_pressure: the evictions so far, by difference as the agent counts
 * them (abi.h CNT_FLOW_DROPPED), and whether fewer than live / 64 happened
 * since the last sweep (which the agent runs every second or so): calm. */
static __always_inline void gc_pressure(__u64 live)
{
	struct gc_sums s = {};
	bpf_loop(FLOW_CACHE_MAX_CPUS, gc_sum_cpu, &s, 0);
	__u32 zero = 0;
	struct flow_pressure *fp = bpf_map_lookup_elem(&lb_flow_pressure, &zero);
	if (!fp)
		return;
	__s64 evicted = s.added - s.deleted - (__s64)live;
	fp->calm = evicted - fp->evicted < (__s64)(live >> 6) + 1;
	fp->evicted = evicted;
}

static __always_inline int lb_sweep(void)
{
	struct gc_ctx c = { .now = lb_now() };
	__u32 zero = 0;
	struct gc_req *r = bpf_map_lookup_elem(&lb_gc_req, &zero);
	if (r)
		c.req = *r;
	bpf_loop(MAX_BACKENDS, gc_zero_gauge, 0, 0);
	bpf_for_each_map_elem(&lb_flows, gc_entry, &c, 0);
	bpf_for_each_map_elem(&lb_flows6, gc_entry6, &c, 0);
	bpf_loop(MAX_BACKENDS, gc_reset_backend, &c, 0);
	struct flow_gauge *fg = bpf_map_lookup_elem(&lb_flow_gauge, &zero);
	if (fg)
		fg->live = c.live;
	gc_pressure(c.live);
	if (r)
		__builtin_memset(r, 0, sizeof(*r));
	return LB_PASS;
}

#endif /* LB_GC_H */
