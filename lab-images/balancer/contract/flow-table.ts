// The balancer's flow table (core/maps.h lb_flows), which the agent creates itself to size it from the lab
// file (`maxFlows`): its size bounds, its entries' layout and its memory. Not abi.h limits (the core is
// compiled with a size of its own, MAX_FLOWS, which the agent's map replaces).

/** Concurrent flows the balancer's flow table holds when the lab file says nothing (`maxFlows`); nat and snat flows
 * take two entries (both directions), so the table is sized 2 x maxFlows entries for every mode. */
export const DEFAULT_MAX_FLOWS = 1_000_000;
/** Bounds of `maxFlows`: the table is preallocated (about 320 bytes a flow), so a typo must not take the host's memory. */
export const MIN_MAX_FLOWS = 1024;
export const MAX_MAX_FLOWS = 16_000_000;
/** What the two flow tables are sized for, in flows: lb_flows (IPv4) from the lab file's maxFlows, lb_flows6 the
 * same only on a balancer with an IPv6 service, else the minimum: both are preallocated, and a 10^6-flow IPv6
 * table nobody uses would take about 450 MiB of every balancer's memory. */
export interface FlowTableSizes { v4: number; v6: number }

export function flowTableSizes(maxFlows: number, servesIpv6: boolean): FlowTableSizes {
  return { v4: maxFlows, v6: servesIpv6 ? maxFlows : MIN_MAX_FLOWS };
}

/** lb_flows' key and value sizes (core/flow_types.h struct flow_key, struct flow_val): the agent creates the map
 * itself to size it (test/core/abi.test.ts checks them against the object). */
export const FLOW_KEY_SIZE = 16;
export const FLOW_VAL_SIZE = 56;
/** lb_flows6's (struct flow_key6, struct flow_val6): IPv6 flows have a table of their own, sized from the same
 * maxFlows (a balancer's IPv6 flows may be as many as its IPv4 ones). */
export const FLOW6_KEY_SIZE = 40;
export const FLOW6_VAL_SIZE = 104;

/** Entries of a flow table (lb_flows, lb_flows6) for maxFlows flows: two a flow, rounded up to one past a power
 * of two when that adds at most an eighth. The kernel gives a hash map the power of two of buckets at or above its
 * entries, so one past a power of two doubles them and halves a full table's chains, each link a cold memory read
 * once the table is beyond the CPU's caches: at the default 10^6 flows, 2 x 10^6 entries in 2^21 buckets cost a
 * nat packet about 100 ns more than in 2^22 (bench:scale), for 16 % more memory. */
export function flowTableEntries(maxFlows: number): number {
  const entries = 2 * maxFlows;
  const pow2 = 2 ** Math.ceil(Math.log2(entries));
  return pow2 + 1 <= entries + entries / 8 ? pow2 + 1 : entries;
}

/** The flow table's memory for maxFlows flows, as the kernel allocates a preallocated LRU hash (what the plan
 * shows; `lblab stats` reports the kernel's own figure): per entry its element header (48 bytes), key and value
 * (each rounded to 8), plus a 16-byte bucket per entry rounded up to a power of 2. About 320 bytes a flow at 10^6. */
export function flowTableBytes(maxFlows: number): number {
  return lruBytes(flowTableEntries(maxFlows), FLOW_KEY_SIZE, FLOW_VAL_SIZE);
}

/** The IPv6 flow table's memory for maxFlows flows (lb_flows6, the same accounting): about 470 bytes a flow. */
export function flowTable6Bytes(maxFlows: number): number {
  return lruBytes(flowTableEntries(maxFlows), FLOW6_KEY_SIZE, FLOW6_VAL_SIZE);
}

function lruBytes(entries: number, key: number, value: number): number {
  const r8 = (n: number) => Math.ceil(n / 8) * 8;
  return entries * (48 + r8(key) + r8(value)) + 2 ** Math.ceil(Math.log2(entries)) * 16;
}
