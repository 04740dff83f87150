// Deployed labs: what Docker runs for a lab document (networks, nodes with
// their interfaces and routes, services), and the calls that deploy, list,
// read and remove labs.
import { z } from 'zod';
import { nameSchema, type Mode, type Scheduler } from '../../lab-images/balancer/contract/vocabulary';
import type { LabBreak } from './doctor';
import type { Gateway } from '../../lab-images/balancer/contract/vocabulary';
import { labDocShape, type LabDoc, type NodeKind, type Protocol } from './document';

export interface InterfaceStatus {
  name: string; // eth0, eth1, ... as seen inside the container
  network: string; // lab network name
  mac: string;
  address: string; // CIDR, e.g. 198.18.0.10/24
  /** a dual-stack network: the IPv6 address, CIDR (fd00:4c42::5/64) */
  address6?: string;
  rate?: string;
}
export interface NodeStatus {
  name: string;
  kind: NodeKind;
  container: string; // docker container name
  id?: string; // docker container id
  /** unreachable: its host (a lab spread over hosts) does not answer, so its state is unknown */
  state: 'running' | 'created' | 'exited' | 'restarting' | 'paused' | 'dead' | 'missing' | 'unreachable';
  interfaces: InterfaceStatus[];
  routes: string[];
  /** a lab spread over hosts: the host (a `hosts` key of the lab file) the node runs on */
  host?: string;
}
/** One host of a lab spread over several engines, as status last saw it. */
export interface HostStatus { name: string; engine: string; reachable: boolean; problem?: string }
export interface BackendStatus {
  node: string;
  address: string;
  /** its IPv6 address on that network, when the service has a vip6 */
  address6?: string;
  weight: number;
}
export interface ServiceStatus {
  name: string;
  balancer: string;
  /** a tier: every member (`balancer` is the first) */
  members?: string[];
  vip: string;
  /** its IPv6 VIP, when it has one (`vip6`) */
  vip6?: string;
  port: number;
  /** what the service speaks (absent: http) */
  protocol?: Protocol;
  mode: Mode;
  scheduler: Scheduler;
  backends: BackendStatus[];
  /** l7: the gateway that serves it */
  gateway?: Gateway;
}
export interface NetworkStatus { name: string; subnet: string; docker: string }
export interface LabStatus {
  name: string;
  state: 'running' | 'degraded' | 'absent';
  /** why the lab is degraded, one line naming the nodes and what they lack ("lb, web1 stopped; web2: no VIP 198.18.1.10 on lo");
   * `lblab up` of the same file repairs it in place */
  reason?: string;
  networks: NetworkStatus[];
  nodes: NodeStatus[];
  services: ServiceStatus[];
  /** a lab spread over hosts: each host, and whether it answered */
  hosts?: HostStatus[];
  /** the document the lab runs (live modes applied): what the drawing is compared with; absent when unreadable */
  doc?: LabDoc;
  /** faults made on purpose (`breakLab`) the lab still carries; absent when none */
  breaks?: LabBreak[];
}
export interface LabSummary { name: string; nodes: number; running: number }

/** Labs in Docker: each call needs the Docker engine and fails `engine` with how to start it when there is none. */
export interface LabLifecycleMethods {
  /** Every lab Docker holds (found by lblab's labels), with its node count and how many nodes run. */
  listLabs(): Promise<LabSummary[]>;
  /** Deploy `doc`, or change the running lab of that name to match it (a degraded one is repaired); progress and node
   * events arrive meanwhile. The lab's status once done. Fails bad-request (the document's first issue, with its field
   * path), conflict (the lab is being changed by another call, a Docker name or subnet is taken) or engine (a step
   * failed: what this deploy created is removed again). */
  deploy(doc: LabDoc): Promise<LabStatus>;
  /** Remove the lab's containers and networks (its terminals and captures end first); a lab that is not there is no
   * error. Fails conflict when another call is changing the lab. */
  destroy(lab: string): Promise<void>;
  /** The lab as it runs: its networks, nodes, services and whether it is whole (`degraded` says why); `absent` when Docker
   * has nothing of it. */
  status(lab: string): Promise<LabStatus>;
}

export const labLifecycleArgs = {
  listLabs: z.tuple([]),
  deploy: z.tuple([labDocShape]),
  destroy: z.tuple([nameSchema]),
  status: z.tuple([nameSchema]),
} satisfies Record<keyof LabLifecycleMethods, z.ZodTypeAny>;
