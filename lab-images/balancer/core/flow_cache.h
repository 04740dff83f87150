/* flow_cache.h — a per-CPU first-level cache in front of lb_flows.
 *
 * Why: a shared hash lookup (kernel jhash of the key, bucket walk, memcmp,
 * LRU reference bit) was most of the per-packet cost of an established flow.
 * Here an established packet probes ONE slot of a per-CPU array: a
 * multiplicative hash of the 5-tuple, an index the verifier inlines, two
 * 64-bit compares; no lock, no shared cache line. Katran keeps its connection
 * table per CPU for the same reason. lb_flows (shared, LRU) stays the truth;
 * this is only a copy of some of its entries, and these rules keep the copy
 * honest:
 *  - only packets that cannot change a flow use it: TCP without SYN, FIN or
 *    RST, and UDP. SYN (port reuse), FIN/RST (active-flow accounting) always
 *    take the lb_flows path;
 *  - a copy is made only of a complete entry (snat: its port is claimed),
 *    after the packet's mode has run (flow_cache_put);
 *  - every write of an lb_flows entry removes that 5-tuple from every CPU's
 *    cache (flow_write, the only writer of lb_flows; new flows only): no CPU
 *    keeps a backend or a reply translation lb_flows no longer holds, e.g.
 *    after an LRU eviction and a re-schedule, or a snat port handed to a new
 *    flow;
 *  - a cached forward entry is checked like any other (backend still in the
 *    service and healthy); if not, the packet takes the lb_flows path.
 * Direct-mapped: two flows on one slot cost the newcomer an lb_flows lookup.
 * A copy read by one CPU while another forgets it may steer that one packet
 * the old way: the same race as two CPUs reading and re-writing lb_flows.
 */
#ifndef LB_FLOW_CACHE_H
#define LB_FLOW_CACHE_H

#include "maps.h"
#include "parse.h"

/* The 5-tuple as two words; k1 holds the protocol, so a real key never has
 * k1 == 0, which marks an empty slot. */
struct fc_words {
	__u64 k0;
	__u64 k1;
};

static __always_inline void fc_words_of(const struct flow_key *k, struct fc_words *w)
{
	w->k0 = (__u64)k->src | ((__u64)k->dst << 32);
	w->k1 = (__u64)k->sport | ((__u64)k->dport << 16) | ((__u64)k->proto << 32);
}

static __always_inline __u32 fc_index(const struct fc_words *w)
{
	__u64 h = (w->k0 ^ (w->k1 * 0x9e3779b97f4a7c15ull)) * 0xc2b2ae3d27d4eb4full;
	return (__u32)(h >> (64 - FLOW_CACHE_BITS));
}

/* May this packet be served from (and fill) the cache? */
static __always_inline int fc_cacheable(const struct pkt *p)
{
	return p->proto == IPPROTO_UDP || !(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/* This CPU's slot for w (never NULL for an in-range index; checked anyway). */
static __always_inline struct flow_cache_slot *fc_slot(const struct fc_words *w)
{
	__u32 i = fc_index(w);
	return bpf_map_lookup_elem(&lb_flow_cache, &i);
}

static __always_inline struct flow_val *fc_hit(struct flow_cache_slot *s, const struct fc_words *w)
{
	return s && s->k0 == w->k0 && s->k1 == w->k1 ? &s->v : 0;
}

static __always_inline void flow_cache_put(struct flow_cache_slot *s, const struct fc_words *w,
					   const struct flow_val *v)
{
	if (!s)
		return;
	s->k0 = w->k0;
	s->k1 = w->k1;
	s->v = *v;
}

struct fc_forget_ctx {
	struct fc_words w;
	__u32 idx;
};

static long fc_forget_cpu(__u32 cpu, void *data)
{
	struct fc_forget_ctx *c = data;
	struct flow_cache_slot *s = bpf_map_lookup_percpu_elem(&lb_flow_cache, &c->idx, cpu);
	if (!s)
		return 1; /* past the last CPU */
	if (s->k0 == c->w.k0 && s->k1 == c->w.k1)
		s->k1 = 0;
	return 0;
}

/* Remove key k from every CPU's cache. */
static __always_inline void flow_cache_forget(const struct flow_key *k)
{
	struct fc_forget_ctx c;
	fc_words_of(k, &c.w);
	c.idx = fc_index(&c.w);
	bpf_loop(FLOW_CACHE_MAX_CPUS, fc_forget_cpu, &c, 0);
}

/* Write an lb_flows entry (bpf_map_update_elem flags), then drop every CPU's
 * copy of it. The only way lb_flows is written. */
static __always_inline long flow_write(const struct flow_key *k, const struct flow_val *v, __u64 flags)
{
	long r = bpf_map_update_elem(&lb_flows, k, v, flags);
	if (!r)
		flow_cache_forget(k);
	return r;
}

#endif /* LB_FLOW_CACHE_H */
