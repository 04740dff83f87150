/* lb_common.h — constants and map value layouts shared by every part of the
 * lblab balancer data plane.
 *
 * ABI NOTE: the structs below are written byte-by-byte by the control plane
 * (lab-images/balancer/agent/dataplane-abi.ts) through bpftool. Any change
 * here must be mirrored there; the golden tests (test/core) catch a mismatch.
 * All address/port fields are in network byte order, everything else is host
 * (little-endian on x86_64/arm64) order.
 */
#ifndef LB_COMMON_H
#define LB_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef TC_ACT_REDIRECT
#define TC_ACT_REDIRECT 7
#endif

/* Size limits. Service ids index the scheduling ring, backend ids index
 * arrays: both are small dense integers chosen by the control plane. */
#define MAX_SERVICES      32
#define MAX_BACKENDS      1024
#define MAX_SVC_BACKENDS  64      /* per service, for the lc scan */
#define RING_SIZE         65537   /* Maglev M (prime); also max rr/wrr sequence */
#define MAX_FLOWS         65536
#define FLOW_CACHE_BITS   12      /* per-CPU flow cache slots: 4096 (flow_cache.h) */
#define FLOW_CACHE_MAX_CPUS 4096  /* bound of the forget loop; it stops at the last CPU */

/* SNAT source ports are taken from a range outside Linux's default ephemeral
 * range (32768-60999) so the balancer's own sockets never collide with them. */
#define SNAT_PORT_MIN     10000
#define SNAT_PORT_SPAN    20000
#define SNAT_PORT_TRIES   8

enum lb_mode { MODE_DSR = 0, MODE_TUNNEL = 1, MODE_NAT = 2, MODE_SNAT = 3, MODE_VIP_MARKER = 255 };
enum lb_sched { SCHED_MAGLEV = 0, SCHED_RR = 1, SCHED_WRR = 2, SCHED_LC = 3, SCHED_SH = 4 };

/* lb_services key. A marker entry {vip, 0, 0} exists for each VIP so that
 * ICMP and fragments "to a VIP" can be recognised without a port. */
struct svc_key {
	__be32 vip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct svc_info {
	__u32 id;         /* < MAX_SERVICES */
	__u8 mode;        /* enum lb_mode */
	__u8 sched;       /* enum lb_sched */
	__u16 flags;
	__u32 table_len;  /* entries used in the ring for this service */
	__be32 snat_addr; /* snat: our source address toward backends */
};

#define BE_F_HEALTHY 0x1 /* may receive new and existing flows */
#define BE_F_L2      0x2 /* ifindex/src_mac/nh_mac valid: skip fib lookup */

struct backend {
	__be32 addr;      /* backend (real server) address */
	__be32 src_addr;  /* our address on the egress network (IPIP outer src) */
	__u32 ifindex;    /* egress interface toward the backend */
	__u32 svc_id;     /* service the backend currently belongs to */
	__u32 weight;     /* 0 = draining: keeps existing flows, no new ones */
	__u8 nh_mac[6];   /* next-hop MAC (the backend itself in dsr) */
	__u8 src_mac[6];  /* MAC of the egress interface */
	__u8 flags;       /* BE_F_* */
	__u8 pad;
	__u16 mtu;        /* egress MTU (tunnel: bigger encapsulated packets get
			   * ICMP "fragmentation needed"); 0 = unknown, no check */
};

/* lc scan list: the backend ids of one service. */
struct svc_backends {
	__u32 n;
	__u32 ids[MAX_SVC_BACKENDS];
};

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
 *    ifindex 0 = unknown, ask the FIB). */
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

/* lb_flow_cache value: a copy of one lb_flows entry (flow_cache.h). Private
 * to the data plane: the control plane never reads or writes it. */
struct flow_cache_slot {
	__u64 k0;
	__u64 k1;         /* 0: empty */
	struct flow_val v;
};

struct be_stats {
	__u64 packets;
	__u64 bytes;
};

/* lb_counters indexes (names in dataplane-abi.ts COUNTER_NAMES). */
enum lb_counter {
	/* rx and tx are not counted here: every packet ends in exactly one of
	 * pass, a drop reason, one of the six per-direction counters (dsr ..
	 * snat_rev, counted only once the packet has left: sent()) or
	 * icmp_too_big, so the control plane adds them up: rx = all of those,
	 * tx = the six. Two per-CPU increments per packet less. */
	CNT_RX = 0,
	CNT_TX, CNT_PASS, CNT_DSR, CNT_ENCAP, CNT_NAT_FWD, CNT_NAT_REV,
	CNT_SNAT_FWD, CNT_SNAT_REV, CNT_NEW_FLOW, CNT_RESCHED, CNT_ICMP_VIP,
	CNT_IP_OPTIONS, CNT_FIB_LOOKUP, CNT_REDIRECT_NEIGH, CNT_FLOW_CLOSED,
	CNT_ICMP_TOO_BIG,
	CNT_MAX = 32,
};

/* lb_drops indexes (names in dataplane-abi.ts DROP_NAMES). */
enum lb_drop {
	DROP_NO_BACKEND = 0, DROP_TRUNCATED, DROP_BAD_IP, DROP_FRAG,
	DROP_FIB_FAIL, DROP_ADJUST_FAIL, DROP_SNAT_PORTS, DROP_BAD_SERVICE,
	DROP_REWRITE_FAIL, DROP_TOO_BIG,
	DROP_MAX = 16,
};

/* Fresh data/data_end of an skb. The empty asm hides where skb came from, so
 * clang cannot keep a pointer to the skb->data field around (&skb->data + 0),
 * which the verifier refuses ("dereference of modified ctx ptr"). */
#define skb_data_ptrs(skb, data, data_end)                                   \
	do {                                                                  \
		struct __sk_buff *__s = (skb);                                \
		asm volatile("" : "+r"(__s));                                  \
		(data) = (void *)(long)__s->data;                             \
		(data_end) = (void *)(long)__s->data_end;                     \
	} while (0)

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* A MAC as three 16-bit words: ethhdr is packed, so a plain memcpy into it
 * becomes twelve byte stores. Every MAC we copy (packet, map values) sits
 * at an even offset. */
static __always_inline void mac_copy(void *dst, const void *src)
{
	__u16 *d = dst;
	const __u16 *s = src;
	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

#endif /* LB_COMMON_H */
