/* flow_types.h — the entries of lb_flows and lb_flow_cache (maps.h), and
 * their sizes. Private to the data plane: unlike abi.h, the control plane
 * never reads or writes them (only the golden tests look inside). */
#ifndef LB_FLOW_TYPES_H
#define LB_FLOW_TYPES_H

#include "helpers.h"
#include "abi.h"

#ifndef MAX_FLOWS
#define MAX_FLOWS           65536 /* compiled in; the agent sizes lb_flows from the
				    * lab file (maxFlows), a test build shrinks it (Makefile: small) */
#endif
#ifndef SNAT_RESTING
#define SNAT_RESTING        262144 /* snat ports remembered while they rest (lb_snat_rest) */
#endif
#define MAX_FRAGS           8192  /* datagrams in flight as fragments (lb_frags) */
#define FLOW_CACHE_SET_BITS 15    /* per-CPU flow cache: 32768 sets (flow_cache.h) */
#define FLOW_CACHE_WAYS     2     /* of 2 slots (adjacent: one 128-byte pair of lines) */
#define FLOW_CACHE_SLOTS    ((1 << FLOW_CACHE_SET_BITS) * FLOW_CACHE_WAYS) /* 65536, 4 MiB a CPU */
#define FLOW_CACHE6_BITS    12    /* the same for IPv6 (flow_cache6.h): 4096 slots of 148 bytes */
#define FLOW_CACHE_MAX_CPUS 4096  /* bound of the forget loop; it stops at the last CPU */

/* 5-tuple as seen on the wire (network order fields). */
struct flow_key {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

#define FLOW_F_REPLY   0x2 /* a reply entry: the backend -> client side of a nat/snat flow */

/* flow_val.state: what the flow has seen, set with atomic ORs (flow.h) and
 * mirrored into the reply entry of a nat/snat flow, so either entry alone
 * says which timeout applies. */
#define FLOW_S_EST      0x01 /* TCP: a packet after the opening SYN */
#define FLOW_S_FIN_FWD  0x02 /* FIN from the client */
#define FLOW_S_FIN_REV  0x04 /* FIN from the backend (nat/snat: seen on the reply path) */
#define FLOW_S_RST      0x08 /* RST either way */
#define FLOW_S_RELEASED 0x10 /* forward entry: its active-flow count was given back */

/* lb_flows value (and, copied, lb_flow_cache's). Both directions of a flow
 * live in the one table, so an established packet either way costs a single
 * lookup (a per-CPU cache probe, or a hash lookup when that misses):
 *  - forward entry (client -> VIP): the backend, and what the service said
 *    when the flow was scheduled (mode, snat address), so established packets
 *    need no service lookup;
 *  - reply entry (FLOW_F_REPLY; nat and snat), keyed by the reply's 5-tuple
 *    as it arrives: what to restore, and where the request came from ("auto
 *    last hop": replies go back out of the interface it arrived on, to the
 *    MAC that sent it — the client or its router — with no FIB lookup;
 *    ifindex 0 = unknown, ask the FIB). Built by reply_entry() (flow.h). */
struct flow_val {
	__u32 backend_id;
	__u32 svc_id;
	__u8 flags;       /* FLOW_F_* */
	__u8 mode;        /* enum lb_mode of the service when scheduled */
	__be16 snat_port; /* snat forward: the source port we allocated */
	__be32 snat_addr; /* snat forward: our source address */
	/* reply entries */
	__be32 client;    /* snat: original client address to restore as dst */
	__be32 vip;       /* restored as src */
	__be16 cport;     /* snat: original client port */
	__be16 vport;     /* restored as sport */
	__u32 ifindex;
	__u8 l2_dst[ETH_ALEN];
	__u8 l2_src[ETH_ALEN];
	/* both kinds */
	__u32 state;      /* FLOW_S_* */
	__u32 last_seen;  /* lb_now() of the last packet, either direction (to a tick) */
	/* forward entry of a nat/snat flow: the tick its forward packets last
	 * refreshed the reply entry (flow.h flow_tracked: every REPLY_REFRESH_TICKS
	 * while established, not every tick: a cold second lookup per packet) */
	__u32 rseen;
};

/* What the cache copies of an entry: all but state and last_seen. */
#define FLOW_VAL_COPIED __builtin_offsetof(struct flow_val, state)

/* lb_flow_cache value: a copy of one lb_flows entry (flow_cache.h), in one
 * 64-byte cache line. The copy is read as a struct flow_val whose `state`
 * is `meta`: bit 0 is the entry's FLOW_S_EST; bits 1-8 count the packets
 * the copy served (FC_REFRESH_HITS), bits 9-31 the epoch it was checked in.
 * Nothing reads a copy's last_seen (past the end of the slot). */
struct flow_cache_slot {
	__u64 k0;
	__u64 k1;         /* 0: empty */
	__u8 v[FLOW_VAL_COPIED];
	__u32 meta;
};

_Static_assert(sizeof(struct flow_cache_slot) == 64, "a flow cache slot is one cache line");
_Static_assert(__builtin_offsetof(struct flow_cache_slot, meta) ==
	       __builtin_offsetof(struct flow_cache_slot, v) + __builtin_offsetof(struct flow_val, state),
	       "meta sits where the copy's state would");

/* lb_flow_pressure[0]: is lb_flows evicting? Written by the sweep (gc.h),
 * read by the data plane (flow.h reply_due). */
struct flow_pressure {
	__s64 evicted; /* entries evicted so far, by difference (as the agent counts them) */
	__u32 calm;    /* the last sweep found fewer than live / 64 evicted since the one before */
	__u32 pad;
};

/* lb_snat_rest: a snat port toward a backend, from one snat address. */
struct snat_port_key {
	__u32 backend_id;
	__be32 addr;
	__be16 port;
	__u16 pad;
};

/* lb_frags: a fragmented datagram, by its IPv4 identity, and the ports its
 * first fragment carried (later fragments have none). */
struct frag_key {
	__be32 src;
	__be32 dst;
	__be16 id;
	__u8 proto;
	__u8 pad;
};

struct frag_val {
	__be16 sport;
	__be16 dport;
};

/* IPv6 flows (lb_flows6, lb_frags6): their own maps beside the IPv4 ones,
 * so the IPv4 keys stay 16 bytes. The value is an IPv4 flow_val (whose
 * client / vip / snat_addr are unused) followed by the IPv6 addresses a
 * reply entry restores and a snat forward entry took: the state, lifetime
 * and active-count code of flow.h works on its first part unchanged. */
struct flow_key6 {
	struct addr6 src;
	struct addr6 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_val6 {
	struct flow_val b;
	struct addr6 client; /* reply: the client (snat: restored as dst) */
	struct addr6 vip;    /* reply: restored as src */
	struct addr6 snat;   /* snat forward: our source address */
};

/* lb_flow_cache6 value: a copy of one lb_flows6 entry (flow_cache6.h) and
 * its key; k.proto 0 marks an empty slot. meta as lb_flow_cache's (bits
 * 1-8 the packets served, 9-31 the epoch); the copy's own state is kept. */
struct flow_cache_slot6 {
	struct flow_key6 k;
	struct flow_val6 v;
	__u32 meta;
};

/* A fragmented IPv6 datagram: addresses, the fragment header's 32-bit
 * identification, the upper-layer protocol. */
struct frag_key6 {
	struct addr6 src;
	struct addr6 dst;
	__be32 id;
	__u8 proto;
	__u8 pad[3];
};

#endif /* LB_FLOW_TYPES_H */
