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
 *    service and healthy); if not, the packet takes the lb_flows path;
 *  - a copy is trusted only within the epoch (fc_epoch: 128 jiffies, 0.13 to
 *    1.3 s by the kernel's HZ) it was last checked against lb_flows in, and
 *    for FC_REFRESH_HITS packets: then the
 *    packet takes the lb_flows path, which checks the entry (still there,
 *    not expired), refreshes its last_seen and its LRU recency, and copies it
 *    again. Without that, a long-lived flow served from the cache would look
 *    idle to lb_flows' LRU and be evicted first when the table fills, and an
 *    idle flow's copy would outlive the sweep that removed its entry;
 *  - a TCP copy that has not seen the flow established (FLOW_S_EST) is not
 *    used: the packet that establishes it marks lb_flows.
 * Two-way set-associative (FLOW_CACHE_WAYS): a copy checked in the current
 * epoch keeps its way; a newcomer takes an empty or stale way, else is not
 * copied (fc_slot), and its packets take the lb_flows path.
 * A copy read by one CPU while another forgets it may steer that one packet
 * the old way: the same race as two CPUs reading and re-writing lb_flows.
 */
#ifndef LB_FLOW_CACHE_H
#define LB_FLOW_CACHE_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

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

/* The set of w: FLOW_CACHE_WAYS slots from FLOW_CACHE_WAYS * set on. */
static __always_inline __u32 fc_index(const struct fc_words *w)
{
	__u64 h = (w->k0 ^ (w->k1 * 0x9e3779b97f4a7c15ull)) * 0xc2b2ae3d27d4eb4full;
	return (__u32)(h >> (64 - FLOW_CACHE_SET_BITS)) * FLOW_CACHE_WAYS;
}

/* Packets a copy serves between two checks against lb_flows (a power of 2):
 * a busy flow refreshes its lb_flows entries at least this often, however
 * fast new flows arrive. */
#define FC_REFRESH_HITS 256 /* = FC_META_HITS / FC_META_HIT + 1 */

/* May this packet be served from (and fill) the cache? Fragments never:
 * the lb_flows path notes them for their later fragments (lb_main.h). */
static __always_inline int fc_cacheable(const struct pkt *p)
{
	if (p->is_frag)
		return 0;
	return p->proto == IPPROTO_UDP || !(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/* The cache's clock: jiffies (which the verifier inlines as one load; the
 * data plane's seconds clock, flow.h lb_now, is a helper call that cost
 * about a quarter of an established packet) in epochs of 128. */
#define FC_EPOCH_SHIFT 7

static __always_inline __u32 fc_epoch(void)
{
	return (__u32)(bpf_jiffies64() >> FC_EPOCH_SHIFT);
}

#define FC_META_EPOCH 9 /* meta's bits from here on: the epoch a copy was checked in */

/* Is slot s free for a newcomer: empty, or last checked in an earlier epoch
 * than this one (a copy that may no longer serve on its own anyway)? */
static __always_inline int fc_free(const struct flow_cache_slot *s, __u32 epoch)
{
	return !s->k1 || (s->meta >> FC_META_EPOCH) != (epoch & (~0u >> FC_META_EPOCH));
}

/* This CPU's slot for w: the way of its set that holds w, else one a copy
 * of w may take (empty or stale, fc_free), else NULL: both ways hold copies
 * checked in this epoch, which keep them. So a working set far beyond the
 * cache costs a probe, not a copy written on every packet (each to be
 * overwritten before it serves), and a flow that keeps hitting is not
 * pushed out by flows that pass once. */
static __always_inline struct flow_cache_slot *fc_slot(const struct fc_words *w)
{
	__u32 i = fc_index(w);
	struct flow_cache_slot *s0 = bpf_map_lookup_elem(&lb_flow_cache, &i);
	if (!s0 || (s0->k0 == w->k0 && s0->k1 == w->k1))
		return s0;
	i++;
	struct flow_cache_slot *s1 = bpf_map_lookup_elem(&lb_flow_cache, &i);
	if (!s1 || (s1->k0 == w->k0 && s1->k1 == w->k1))
		return s1;
	__u32 epoch = fc_epoch();
	if (fc_free(s1, epoch))
		return s1; /* way 1 first: way 0 keeps the set's older copy */
	return fc_free(s0, epoch) ? s0 : 0;
}

static __always_inline struct flow_val *fc_hit(struct flow_cache_slot *s, const struct fc_words *w)
{
	return s && s->k0 == w->k0 && s->k1 == w->k1 ? (struct flow_val *)s->v : 0;
}

/* flow_cache_slot.meta (flow_types.h); FC_META_EPOCH above */
#define FC_META_HIT   0x02
#define FC_META_HITS  0x1fe /* FC_REFRESH_HITS - 1 hits, shifted by 1 */

/* May the copy in s serve this packet without a look at lb_flows (it was
 * checked in this epoch, and not too many packets ago)? Counts the packet. */
static __always_inline int fc_fresh(struct flow_cache_slot *s, __u32 epoch)
{
	__u32 m = s->meta;
	if ((m >> FC_META_EPOCH) != (epoch & (~0u >> FC_META_EPOCH)))
		return 0;
	__u32 h = (m + FC_META_HIT) & FC_META_HITS;
	s->meta = (m & ~FC_META_HITS) | h;
	return h != 0;
}

/* Copy lb_flows entry v, just checked in this epoch, into slot s. */
static __always_inline void flow_cache_put(struct flow_cache_slot *s, const struct fc_words *w,
					   const struct flow_val *v, __u32 epoch)
{
	if (!s)
		return;
	s->k0 = w->k0;
	s->k1 = w->k1;
	__builtin_memcpy(s->v, v, FLOW_VAL_COPIED);
	s->meta = (epoch << FC_META_EPOCH) | (v->state & FLOW_S_EST);
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
	__u32 i1 = c->idx + 1; /* the set's other way */
	s = bpf_map_lookup_percpu_elem(&lb_flow_cache, &i1, cpu);
	if (s && s->k0 == c->w.k0 && s->k1 == c->w.k1)
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
 * copy of it. The only way lb_flows is written. A new key (BPF_NOEXIST) is
 * counted, flow_added: what the LRU evicted is told by difference (abi.h). */
static __always_inline long flow_write(const struct flow_key *k, const struct flow_val *v, __u64 flags)
{
	long r = bpf_map_update_elem(&lb_flows, k, v, flags);
	if (!r) {
		flow_cache_forget(k);
		if (flags == BPF_NOEXIST)
			count(CNT_FLOW_ADDED);
	}
	return r;
}

/* Write an entry whose key is probably new: counted when it is; one another
 * CPU wrote meanwhile is overwritten. */
static __always_inline long flow_write_new(const struct flow_key *k, const struct flow_val *v)
{
	long r = flow_write(k, v, BPF_NOEXIST);
	return r == -17 /* EEXIST */ ? flow_write(k, v, BPF_ANY) : r;
}

#endif /* LB_FLOW_CACHE_H */
