/* maps.h — every map of the balancer. bpftool pins them by these names under
 * the pin directory given at load time (dataplane.ts: <pinDir>/maps/<name>).
 *
 *   lb_services  hash   svc_key -> svc_info          services + VIP markers
 *   lb_backends  array  backend id -> backend        addresses, L2 next hop, health
 *   lb_ring      array  svc*RING_SIZE+i -> backend id  maglev/sh table, rr/wrr sequence
 *   lb_svc_bes   array  svc id -> svc_backends       lc candidate list
 *   lb_rr_ctr    array  svc id -> u64                rr/wrr position (atomic)
 *   lb_flows     lru    flow_key -> flow_val         both directions: client->VIP flows
 *                                                    (stickiness) and nat/snat replies
 *   lb_flow_cache percpu slot -> flow_cache_slot  per-CPU copies of lb_flows entries
 *                                                    (flow_cache.h), the established fast path
 *   lb_flow_pressure array 0 -> flow_pressure   is lb_flows evicting (the sweep says)
 *   lb_be_stats  percpu backend id -> be_stats       packets/bytes sent to a backend
 *   lb_be_active array  backend id -> u64            active flows (atomic; lc)
 *   lb_counters  percpu enum lb_counter -> u64
 *   lb_drops     percpu enum lb_drop -> u64
 *   lb_timeouts  array  0 -> flow_timeouts        flow lifetimes (control plane)
 *   lb_gc_req    array  0 -> gc_req               services / backends the next sweep flushes
 *   lb_be_gauge  array  backend id -> be_gauge     flows and snat ports, as of the last sweep
 *   lb_flow_gauge array 0 -> flow_gauge          lb_flows' entries, as of the last sweep
 *   lb_snat_next array  backend id -> u32          snat port cursor (atomic)
 *   lb_snat_pool array  svc id -> snat_pool        a snat service's source addresses
 *   lb_snat_rest lru    snat_port_key -> u32       tick a snat port was last used (while it rests)
 *   lb_frags     lru    frag_key -> frag_val        ports of fragmented datagrams
 * IPv6 (lb_v6.h), beside the IPv4 ones:
 *   lb_services6 hash   svc6_key -> svc_info         IPv6 VIPs (+ markers)
 *   lb_backends6 array  backend id -> backend6       a backend's IPv6 addresses
 *   lb_snat6     array  svc id -> addr6              a snat service's IPv6 source
 *   lb_flows6    lru    flow_key6 -> flow_val6       IPv6 flows, both directions
 *   lb_flow_cache6 percpu slot -> flow_cache_slot6 per-CPU copies of lb_flows6 entries
 *   lb_frags6    lru    frag_key6 -> frag_val        ports of fragmented IPv6 datagrams
 */
#ifndef LB_MAPS_H
#define LB_MAPS_H

#include "helpers.h"
#include "abi.h"
#include "flow_types.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct svc_key);
	__type(value, struct svc_info);
} lb_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} lb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SERVICES * RING_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} lb_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct svc_backends);
} lb_svc_bes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u64);
} lb_rr_ctr SEC(".maps");

/* The truth about flows (flow_cache.h keeps per-CPU copies of some).
 * Room for both entries of MAX_FLOWS nat/snat flows: the size compiled in;
 * the control plane sizes it from the lab file (maxFlows) by creating the
 * map before the object is loaded (dataplane.ts). Full, the LRU evicts the
 * least recently used entry to make room (a common LRU: one list for every
 * CPU, so a flow's two entries age together whichever CPUs serve it); the
 * evictions are counted by difference (abi.h CNT_FLOW_DROPPED). A reply entry is
 * written when its flow is (re)scheduled; both entries are refreshed
 * together (flow.h flow_tracked / reply_track), so they are as hot as their
 * flow under LRU and expire together; a reply entry found missing then is
 * written again, an evicted forward entry is rescheduled and rewrites it.
 * The sweep (gc.h) deletes expired entries. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} lb_flows SEC(".maps");

/* Whether lb_flows is evicting, as of the last sweep (flow_types.h). Zero
 * (not calm) until a sweep has looked: reply entries are then refreshed on
 * every tick of their flow (flow.h reply_due). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_pressure);
} lb_flow_pressure SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOW_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct flow_cache_slot);
} lb_flow_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct be_stats);
} lb_be_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __u64);
} lb_be_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lb_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lb_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_timeouts);
} lb_timeouts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gc_req);
} lb_gc_req SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct be_gauge);
} lb_be_gauge SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_gauge);
} lb_flow_gauge SEC(".maps");

/* snat: each backend hands out its (address, port) slots in turn
 * (mode_snat.h), so a slot comes back only after all the others. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __u32);
} lb_snat_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct snat_pool);
} lb_snat_pool SEC(".maps");

/* snat: when each port given back (gc.h) last saw a packet. The allocator
 * skips a port still resting (within the servers' TIME_WAIT of its last
 * flow) while another may be had; LRU, so the oldest stamps, the ones about
 * to stop mattering, make room. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SNAT_RESTING);
	__type(key, struct snat_port_key);
	__type(value, __u32);
} lb_snat_rest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_FRAGS);
	__type(key, struct frag_key);
	__type(value, struct frag_val);
} lb_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct svc6_key);
	__type(value, struct svc_info);
} lb_services6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend6);
} lb_backends6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct addr6);
} lb_snat6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * MAX_FLOWS);
	__type(key, struct flow_key6);
	__type(value, struct flow_val6);
} lb_flows6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << FLOW_CACHE6_BITS);
	__type(key, __u32);
	__type(value, struct flow_cache_slot6);
} lb_flow_cache6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_FRAGS);
	__type(key, struct frag_key6);
	__type(value, struct frag_val);
} lb_frags6 SEC(".maps");

#endif /* LB_MAPS_H */
