// The packet journey: lblab sends one request from a client to a service's
// VIP while capturing on every interface of the lab, finds that packet at
// every hop (across rewrites, encapsulation and proxies) and says, per hop,
// which fields changed from the hop before. The response is followed too.
// The JSON is shared by the API and `lblab journey --json`; its keys are
// fixed (more may be added).
import { z } from 'zod';
import { nameSchema, type Gateway, type Mode } from '../../lab-images/balancer/contract/vocabulary';
import type { NodeKind } from './document';

export const journeyOptionsSchema = z
  .object({
    /** the service to follow (default: the lab's first) */
    service: nameSchema.optional(),
    /** the client node that sends the request (default: the lab's first running client) */
    from: nameSchema.optional(),
    /** 6: send the request to the service's IPv6 VIP (vip6); default 4, its IPv4 VIP */
    family: z.union([z.literal(4), z.literal(6)]).optional(),
  })
  .strict();
export type JourneyOptions = z.infer<typeof journeyOptionsSchema>;

export type JourneyValue = string | number | null;

export interface JourneyChange {
  /** a Wireshark display-filter field (`ip.dst`, `ipv6.dst`), `outer.ip.src` / `outer.ip.dst` for the IPIP header
   * (`outer.ipv6.src` / `outer.ipv6.dst` for ip6ip6's), `underlay.ip.src` /
   * `underlay.ip.dst` / `underlay.udp.dstport` / `vxlan.vni` for the VXLAN header between two hosts, `encap` (`ipip`, `vxlan`,
   * `vxlan+ipip`, `ip6ip6`: outermost first), or `tcp.stream` (a proxy's new connection, from and to as `a:p > b:q`) */
  field: string;
  from: JourneyValue;
  to: JourneyValue;
  /** true: what any forwarding hop does (TTL, checksums, MACs at an L3 hop); false: the mode's own rewrite */
  expected: boolean;
  why?: string;
}

export interface JourneyHop {
  /** the node; on an underlay hop, the host */
  node: string;
  iface: string;
  /** out when the frame's source MAC is the capturing interface's own */
  direction: 'in' | 'out';
  /** one line in tcpdump's style */
  summary: string;
  /** what differs from the hop before (none on the first hop) */
  changes: JourneyChange[];
  /** capture time: seconds since the epoch, nanosecond digits */
  ts: string;
  /** microseconds since the request left the client */
  t: number;
  kind?: NodeKind;
  network?: string;
  /** a lab spread over hosts: the host (a `hosts` key) the frame was seen on */
  host?: string;
  /** seen on the hosts' own network between Docker engines (an overlay network's VXLAN), not in a node */
  underlay?: true;
  /** the compared fields as this hop saw them (innermost header, ip.* or ipv6.*; outer.* for a tunnel, underlay.* and vxlan.vni for VXLAN) */
  fields: Record<string, JourneyValue>;
}

export interface JourneyPath { hops: JourneyHop[] }

export interface Journey {
  lab: string;
  service: string;
  mode: Mode;
  /** l7: the gateway that relayed the request (the one running at the time, as the balancer's agent says) */
  gateway?: Gateway;
  /** the VIP the request went to: the service's vip6 over IPv6 */
  vip: string;
  /** 6: the request went over IPv6 (to the vip6); absent: IPv4 */
  family?: 6;
  port: number;
  /** the node that sent the request, and from where */
  client: { node: string; address: string; port?: number };
  /** the server node the request reached, when seen */
  backend?: string;
  /** a tier: the member the router sent the request through, when seen */
  member?: string;
  request: JourneyPath & { url: string; token: string };
  response: JourneyPath & { viaBalancer: boolean; status?: number };
  /** why the journey is incomplete, e.g. `the request got no response (curl: …)` */
  error?: string;
  /** nodes not captured, and why, e.g. `web3 (exited)` */
  notCaptured?: string[];
}

export interface JourneyMethods {
  /** Send one request from a client to the service's VIP and follow it, and its response, hop by hop; the journey (one
   * that could not be followed to the end says why in `error`). Fails not-found (no such lab, service or client),
   * conflict (the lab, the client or the balancer is not running), bad-request (the lab has no service or client,
   * `from` is not a client, or family 6 for a service without a vip6) or engine (Docker, a capture failed). */
  journey(lab: string, opts: JourneyOptions): Promise<Journey>;
}

export const journeyArgs = {
  journey: z.tuple([nameSchema, journeyOptionsSchema]),
} satisfies Record<keyof JourneyMethods, z.ZodTypeAny>;
