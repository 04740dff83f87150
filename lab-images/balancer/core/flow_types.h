/* flow_types.h — the entries of lb_flows and lb_flow_cache (maps.h), and
 * their sizes. Private to the data plane: unlike abi.h, the control plane
 * never reads or writes them (only the golden tests look inside). */
#ifndef LB_FLOW_TYPES_H
#define LB_FLOW_TYPES_H

#include "helpers.h"

#define MAX_FLOWS           65536
#define FLOW_CACHE_BITS     12    /* per-CPU flow cache slots: 4096 (flow_cache.h) */
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

#define FLOW_F_CLOSING 0x1 /* FIN/RST seen: active-flow count already released */
#define FLOW_F_REPLY   0x2 /* a reply entry: the backend -> client side of a nat/snat flow */

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
};

/* lb_flow_cache value: a copy of one lb_flows entry (flow_cache.h). */
struct flow_cache_slot {
	__u64 k0;
	__u64 k1;         /* 0: empty */
	struct flow_val v;
};

#endif /* LB_FLOW_TYPES_H */
