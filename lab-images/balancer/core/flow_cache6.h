/* flow_cache6.h — the per-CPU first-level cache in front of lb_flows6, the
 * IPv6 twin of flow_cache.h, under the same rules (read them there): only
 * packets that cannot change a flow use it (TCP without SYN/FIN/RST, UDP;
 * not fragments); a copy is made of a complete entry after its packet's
 * mode ran; every write of an lb_flows6 entry removes that key from every
 * CPU's cache first (flow_write6, the only writer of lb_flows6 in the
 * packet path); a cached forward entry is checked like any other; a copy
 * serves on its own only within the epoch it was checked in and for
 * FC_REFRESH_HITS packets, then its packet looks at lb_flows6, which keeps
 * the flow's last-seen tick and LRU recency fresh.
 * Differences: the key (40 bytes) is compared as five 64-bit words, and a
 * slot holds the whole key and entry (148 bytes, three cache lines): the
 * IPv6 addresses a reply restores or a snat flow takes are in it. */
#ifndef LB_FLOW_CACHE6_H
#define LB_FLOW_CACHE6_H

#include "flow_cache.h"
#include "parse6.h"

/* The key as five words (the last holds ports and protocol: never 0 in a
 * real key's protocol byte, which an empty slot's is). */
static __always_inline __u32 fc6_index(const struct flow_key6 *k)
{
	const __u64 *w = (const __u64 *)k;
	__u64 h = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull)) * 0xc2b2ae3d27d4eb4full;
	h = (h ^ w[2] ^ (w[3] * 0x9e3779b97f4a7c15ull)) * 0xc2b2ae3d27d4eb4full;
	h = (h ^ w[4]) * 0x9e3779b97f4a7c15ull;
	return (__u32)(h >> (64 - FLOW_CACHE6_BITS));
}

static __always_inline int fc6_key_eq(const struct flow_key6 *a, const struct flow_key6 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

static __always_inline int fc6_cacheable(const struct pkt6 *p)
{
	if (p->is_frag)
		return 0;
	return p->proto == IPPROTO_UDP || !(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/* May the copy in s serve this packet without a look at lb_flows6? Counts
 * the packet (fc_fresh's rule, on the slot's own meta). */
static __always_inline int fc6_fresh(struct flow_cache_slot6 *s, __u32 epoch)
{
	__u32 m = s->meta;
	if ((m >> FC_META_EPOCH) != (epoch & (~0u >> FC_META_EPOCH)))
		return 0;
	__u32 h = (m + FC_META_HIT) & FC_META_HITS;
	s->meta = (m & ~FC_META_HITS) | h;
	return h != 0;
}

/* Copy lb_flows6 entry v (key k), just checked in this epoch, into slot s. */
static __always_inline void flow_cache6_put(struct flow_cache_slot6 *s, const struct flow_key6 *k,
					    const struct flow_val6 *v, __u32 epoch)
{
	if (!s)
		return;
	__builtin_memcpy(&s->v, v, sizeof(*v));
	s->meta = epoch << FC_META_EPOCH;
	__builtin_memcpy(&s->k, k, sizeof(*k)); /* last: the key makes it a hit */
}

/* The key to forget, per CPU (a bpf_loop context must be on the stack,
 * which the IPv6 pipeline's frames leave little of). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_key6);
} lb_fc6_forget SEC(".maps");

static long fc6_forget_cpu(__u32 cpu, void *data)
{
	__u32 *idx = data;
	__u32 zero = 0;
	struct flow_key6 *k = bpf_map_lookup_elem(&lb_fc6_forget, &zero);
	struct flow_cache_slot6 *s = bpf_map_lookup_percpu_elem(&lb_flow_cache6, idx, cpu);
	if (!s || !k)
		return 1; /* past the last CPU */
	if (fc6_key_eq(&s->k, k))
		s->k.proto = 0;
	return 0;
}

/* Remove key k from every CPU's cache. */
static __always_inline void flow_cache6_forget(const struct flow_key6 *k)
{
	__u32 zero = 0;
	struct flow_key6 *f = bpf_map_lookup_elem(&lb_fc6_forget, &zero);
	if (!f)
		return;
	__builtin_memcpy(f, k, sizeof(*k));
	__u32 idx = fc6_index(k);
	bpf_loop(FLOW_CACHE_MAX_CPUS, fc6_forget_cpu, &idx, 0);
}

/* Write an lb_flows6 entry (bpf_map_update_elem flags), then drop every
 * CPU's copy of it. */
static __always_inline long flow_write6(const struct flow_key6 *k, const struct flow_val6 *v, __u64 flags)
{
	long r = bpf_map_update_elem(&lb_flows6, k, v, flags);
	if (!r)
		flow_cache6_forget(k);
	return r;
}

#endif /* LB_FLOW_CACHE6_H */
