/* abi.h — what the data plane shares with its control plane: the limits,
 * the enums and the key/value layouts of the maps the control plane writes
 * (services, backends, tables) or reads (stats, counters, drops).
 *
 * The limits are the host↔agent contract's
 * (lab-images/balancer/contract/limits.ts); test/unit/balancer/
 * contract-limits.test.ts fails when a value here differs. The layouts are
 * written byte by byte by lab-images/balancer/agent/dataplane-abi.ts;
 * test/core/abi.test.ts compares them with the object's BTF.
 * All address/port fields are in network byte order, everything else is host
 * (little-endian on x86_64/arm64) order.
 */
#ifndef LB_ABI_H
#define LB_ABI_H

#include <linux/types.h>

/* Service ids index the scheduling ring, backend ids index arrays: both are
 * small dense integers chosen by the control plane. */
#define MAX_SERVICES      32
#define MAX_BACKENDS      1024
#define MAX_SVC_BACKENDS  1000    /* per service (lb_svc_bes: the lc scan's list) */
#define RING_SIZE         65537   /* Maglev M (prime); also max rr/wrr sequence */

/* SNAT source ports: every unprivileged port below the balancer's own
 * ephemeral range, which the control plane moves above them
 * (ip_local_port_range 60000-65535 on the balancer node), so the balancer's
 * own sockets never collide with a snat flow. Per snat address and backend. */
#define SNAT_PORT_MIN     1024
#define SNAT_PORT_SPAN    58976
/* A service's snat addresses (LVS FULLNAT's local address list): each adds
 * SNAT_PORT_SPAN ports per backend. */
#define MAX_SNAT_ADDRS    16      /* a power of 2 (mode_snat.h masks with it) */

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
#define BE_F_TUNNEL6 0x4 /* tunnel: wrap IPv4 in IPv6 ("4in6") toward the
			  * backend's lb_backends6 addresses, not in IPv4 */

/* lb_snat_pool[service id]: the addresses a snat service takes its source
 * from, all on the backends' side of the balancer and owned by it; n = 0
 * means svc_info.snat_addr alone. */
struct snat_pool {
	__u32 n;
	__be32 addrs[MAX_SNAT_ADDRS];
};

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

/* IPv6 (a service's vip6, served in the same mode as its vip). Beside the
 * IPv4 layouts, not in them: the IPv4 path's keys and entries keep their
 * size. An IPv6 address is four 32-bit words (network order bytes). */
struct addr6 {
	__be32 w[4];
};

/* lb_services6 key; the value is the service's struct svc_info (its
 * snat_addr unused: lb_snat6 holds the IPv6 one). Marker {vip6, 0, 0} as
 * for IPv4. */
struct svc6_key {
	struct addr6 vip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

/* lb_backends6[backend id]: the backend's IPv6 addresses; everything else
 * (service, weight, health, L2 next hop, MTU) is its lb_backends entry. */
struct backend6 {
	struct addr6 addr;     /* the backend's IPv6 address */
	struct addr6 src_addr; /* our IPv6 address toward it (ip6ip6 outer src) */
};

/* lc scan list: the backend ids of one service. */
struct svc_backends {
	__u32 n;
	__u32 ids[MAX_SVC_BACKENDS];
};

struct be_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows; /* flows scheduled to it (new or re-scheduled) */
};

/* Flow lifetimes (lb_timeouts[0], written by the control plane; a zero
 * field means its default, flow.h). Unit: ticks of the data plane's clock,
 * 2^30 ns (~1.07 s) of CLOCK_MONOTONIC (flow.h lb_now). An entry expires
 * when it has seen no packet for longer than the timeout of its state. */
struct flow_timeouts {
	__u32 tcp_syn;     /* TCP, only the opening SYN seen from the client */
	__u32 tcp_est;     /* TCP established */
	__u32 tcp_fin;     /* TCP, FIN seen in one direction (half-closed) */
	__u32 tcp_closed;  /* TCP, FIN both ways or RST: the linger before the
			    * entry (and a snat port) is given back */
	__u32 udp;
	__u32 snat_rest;   /* snat: how long a port given back rests before it
			    * is handed out again toward the same backend
			    * while another may be (the servers' TIME_WAIT) */
};

/* lb_gc_req[0]: what the next run of lb_gc (the sweep) removes besides
 * expired entries: every flow of these services / backends. lb_gc clears it. */
#define GC_BE_WORDS (MAX_BACKENDS / 64)
struct gc_req {
	__u32 svc_mask;            /* bit n: service id n */
	__u32 pad;
	__u64 be_mask[GC_BE_WORDS]; /* bit n % 64 of word n / 64: backend id n */
};

/* lb_be_gauge[backend id]: what the last sweep found in lb_flows. */
struct be_gauge {
	__u32 flows;      /* live forward entries (open or lingering) */
	__u32 snat_ports; /* snat source ports held (live snat reply entries) */
};

/* lb_flow_gauge[0]: lb_flows as the last sweep found it. */
struct flow_gauge {
	__u64 live;       /* entries (both directions) */
};

/* lb_counters indexes (names in dataplane-abi.ts COUNTER_NAMES). rx and tx
 * are not counted: every packet ends in exactly one of pass, a drop reason,
 * one of the six per-direction counters (dsr .. snat_rev), icmp_fwd /
 * icmp_rev (an ICMP error about a flow, sent on to its backend / back to its
 * client; all counted only once the packet has left: sent()) or
 * icmp_too_big, so the control plane adds them up: rx = all of those, tx =
 * the six and the two icmp ones. Two per-CPU increments per packet less.
 * The others count events: flow_expired (a packet found its flow idle past
 * its timeout: scheduled afresh), gc_expired / gc_flushed (entries the sweep
 * removed: idle or closed / of a removed service or backend), frag_first /
 * frag_later (fragments balanced: a first one, by its ports; a later one, by
 * the fragment map). */
enum lb_counter {
	CNT_PASS = 0, CNT_DSR, CNT_ENCAP, CNT_NAT_FWD, CNT_NAT_REV,
	CNT_SNAT_FWD, CNT_SNAT_REV, CNT_NEW_FLOW, CNT_RESCHED, CNT_ICMP_VIP,
	CNT_IP_OPTIONS, CNT_FIB_LOOKUP, CNT_REDIRECT_NEIGH, CNT_FLOW_CLOSED,
	CNT_ICMP_TOO_BIG, CNT_ICMP_FWD, CNT_ICMP_REV, CNT_FLOW_EXPIRED,
	CNT_GC_EXPIRED, CNT_GC_FLUSHED, CNT_FRAG_FIRST, CNT_FRAG_LATER,
	CNT_SNAT_EARLY, /* snat: a port handed out within its rest (every
			 * port tried had rested less: more new flows than the
			 * ports and addresses sustain) */
	CNT_FLOW_ADDED, /* lb_flows entries written under a new key */
	CNT_FLOW_DROPPED, /* lb_flows entries the data plane deleted (a flow
			   * that could not go on; the sweep counts its own
			   * as gc_expired / gc_flushed). Entries the LRU
			   * evicted = added - dropped - gc_expired -
			   * gc_flushed - live (lb_flow_gauge) */
	CNT_IPV6_EXT,   /* an IPv6 packet whose extension headers (hop-by-hop,
			 * routing, destination options, fragment) were walked */
	CNT_MAX = 32,
};

/* Drop reasons: what a step of the data plane returns when the packet
 * cannot go on (the return convention is in lb_main.h). Each says what
 * happened, one reason per cause. Drop -n is counted at lb_drops index
 * n - 1 (names in ../contract/report.ts DATAPLANE_DROP_REASONS, which
 * ../agent/dataplane-abi.ts DROP_NAMES follows, in that order): new reasons
 * go at the end, so the indexes the control plane reads stay put. */
enum lb_drop {
	DROP_NO_BACKEND = -1,     /* no backend may take a new flow */
	DROP_TRUNCATED = -2,      /* headers or IP total length beyond the frame */
	DROP_BAD_IP = -3,         /* IPv4 header malformed (version, IHL, length) */
	DROP_FRAG = -4,           /* a later fragment whose first was not seen */
	DROP_FIB_FAIL = -5,       /* the FIB has no way toward a backend */
	DROP_ADJUST_FAIL = -6,    /* no room for the IPIP header */
	DROP_SNAT_PORTS = -7,     /* snat: every port tried is held */
	DROP_BAD_SERVICE = -8,    /* a service entry the data plane cannot use */
	DROP_REWRITE_FAIL = -9,   /* a header or checksum rewrite failed */
	DROP_TOO_BIG = -10,       /* tunnel: too big once wrapped, no DF to answer */
	DROP_ICMP_FAIL = -11,     /* the ICMP "fragmentation needed" could not be built */
	DROP_MAP_FULL = -12,      /* a flow, port or fragment entry could not be written */
	DROP_NO_NEIGHBOUR = -13,  /* no next-hop MAC: a dsr backend without its L2 entry */
	DROP_REDIRECT_FAIL = -14, /* the egress interface does not exist, or the
				   * redirect helper refused: the kernel would
				   * drop the packet after us, uncounted */
	DROP_EXT_HEADER = -15,    /* IPv6: an extension header not walked (AH, ESP,
				   * an unknown one) or a chain longer than
				   * parse6.h follows, on a packet to a VIP */
};
#define DROP_MAX 16 /* lb_drops slots */

#endif /* LB_ABI_H */
