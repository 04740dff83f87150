// Sizes of the balancer's data plane, as the host, the agent and the eBPF
// core (core/abi.h) know them. The C header cannot import this file, so
// test/unit/balancer/contract-limits.test.ts parses abi.h and fails when a
// value there differs from the one here.

/** Service ids are 0..MAX_SERVICES-1 (0 stays unused by the agent): lb_svc_bes, lb_rr_ctr, the ring's rows. */
export const MAX_SERVICES = 32;
/** Backend ids are 0..MAX_BACKENDS-1, one per service x server pair (0 unused by the agent). */
export const MAX_BACKENDS = 1024;
/** Backends one service may have (lb_svc_bes, the lc scan's list; the Maglev paper's own table is measured at 1 000). */
export const MAX_SVC_BACKENDS = 1000;
/** Maglev table size M (prime); also the longest rr/wrr sequence. */
export const RING_SIZE = 65537;
/** snat source ports: [SNAT_PORT_MIN, SNAT_PORT_MIN + SNAT_PORT_SPAN), per snat address and backend: every
 * unprivileged port below the balancer's own ephemeral range (snat.ts BALANCER_LOCAL_PORTS, set on the node). */
export const SNAT_PORT_MIN = 1024;
export const SNAT_PORT_SPAN = 58976;
/** snat addresses one service may take its source from (LVS FULLNAT's local address list). */
export const MAX_SNAT_ADDRS = 16;

