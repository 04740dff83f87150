/* hash.h — Bob Jenkins' lookup3 "jhash" final mix (public domain algorithm,
 * as used by the Linux kernel and Katran) over the flow 5-tuple. The same
 * hash must not depend on the CPU or on time: flows hash identically on
 * every balancer replica with the same table (Maglev's consistency). */
#ifndef LB_HASH_H
#define LB_HASH_H

#include "flow_types.h"

#define LB_HASH_SEED 0x4c424c42u /* "LBLB" */

static __always_inline __u32 rol32(__u32 w, __u32 s) { return (w << s) | (w >> (32 - s)); }

static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	a += 0xdeadbeef + (3 << 2) + initval;
	b += 0xdeadbeef + (3 << 2) + initval;
	c += 0xdeadbeef + (3 << 2) + initval;
	/* __jhash_final */
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

static __always_inline __u32 hash_flow(const struct flow_key *k)
{
	__u32 ports = ((__u32)k->sport << 16) | k->dport;
	return jhash_3words(k->src, k->dst ^ k->proto, ports, LB_HASH_SEED);
}

static __always_inline __u32 hash_src(__be32 src)
{
	return jhash_3words(src, 0, 0, LB_HASH_SEED);
}

/* IPv6: each address folded to one word by the same mix (as Katran folds
 * an IPv6 address before its IPv4 hash), then the IPv4 formula. */
static __always_inline __u32 fold6(const struct addr6 *a)
{
	return jhash_3words(a->w[0], a->w[1], a->w[2], a->w[3]);
}

static __always_inline __u32 hash_flow6(const struct flow_key6 *k)
{
	__u32 ports = ((__u32)k->sport << 16) | k->dport;
	return jhash_3words(fold6(&k->src), fold6(&k->dst) ^ k->proto, ports, LB_HASH_SEED);
}

static __always_inline __u32 hash_src6(const struct addr6 *src)
{
	return jhash_3words(fold6(src), 0, 0, LB_HASH_SEED);
}

#endif /* LB_HASH_H */
