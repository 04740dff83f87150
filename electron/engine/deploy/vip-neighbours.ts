// A VIP reached over a Docker overlay needs a neighbour entry in every node
// that sends to it. Docker's overlay answers ARP by proxy from the addresses
// it assigned itself and never floods a request to the other hosts, so a
// client on another host asking who has the VIP (a /32 the balancer holds on
// top of its Docker address) gets no answer. Each node on the VIP's network
// gets `ip neigh replace VIP lladdr <balancer's MAC> nud permanent`, with the
// MAC Docker gave the balancer's endpoint. Real servers keep the VIP on lo with
// arp_ignore, as on a bridge: nothing changes for them.
import { oneLine } from '../../api';
import { execIn } from '../docker/exec';
import { containerRef } from '../docker/placement';
import { EngineError } from '../errors';
import { contains, ipToInt, parseSubnet } from '../topology/net4';
import type { LabPlan } from '../topology/plan-types';

export interface VipNeighbour {
  service: string;
  vip: string;
  balancer: string;
  /** the overlay the VIP lives on */
  network: string;
  /** nodes on that network that send to the VIP, each with its own address there */
  senders: { node: string; address: string }[];
}

/** The VIPs that live on an overlay, and who must learn the balancer's MAC for them. */
export function vipNeighbours(plan: LabPlan): VipNeighbour[] {
  const out: VipNeighbour[] = [];
  for (const s of plan.services) {
    const lb = plan.nodes.find((n) => n.name === s.balancer);
    const net = plan.networks.find((n) => n.overlay && lb?.interfaces.some((i) => i.network === n.name) && contains(parseSubnet(n.subnet)!, ipToInt(s.vip)));
    if (!lb || !net) continue;
    const senders = plan.nodes
      .filter((n) => n.name !== lb.name)
      .flatMap((n) => n.interfaces.filter((i) => i.network === net.name).map((i) => ({ node: n.name, address: i.address })));
    out.push({ service: s.name, vip: s.vip, balancer: lb.name, network: net.name, senders });
  }
  return out;
}

/** The command that points `vip` at `mac` on the interface holding `address`. */
export function neighbourCommand(vip: string, mac: string, address: string): string[] {
  const script = `dev=$(ip -o -4 addr show to ${address}/32 | awk '{print $2; exit}'); [ -n "$dev" ] || { echo "no interface holds ${address}" >&2; exit 1; }; ip neigh replace ${vip} lladdr ${mac} dev "$dev" nud permanent`;
  return ['sh', '-c', script];
}

/** Write the entries into every sender (idempotent: `replace`). */
export async function setVipNeighbours(plan: LabPlan): Promise<void> {
  const entries = vipNeighbours(plan);
  if (!entries.length) return;
  const container = (node: string) => plan.nodes.find((n) => n.name === node)!.container;
  const docker = (net: string) => plan.networks.find((n) => n.name === net)!.docker;
  await Promise.all(
    entries.map(async (e) => {
      const info = await containerRef(container(e.balancer)).inspect();
      const mac = info.NetworkSettings.Networks[docker(e.network)]?.MacAddress;
      if (!mac) throw new EngineError(`node ${e.balancer}: no MAC address on network ${e.network} for the VIP ${e.vip}`);
      await Promise.all(
        e.senders.map(async (s) => {
          const r = await execIn(container(s.node), neighbourCommand(e.vip, mac, s.address), { timeoutMs: 15_000 });
          if (r.exitCode !== 0) throw new EngineError(`node ${s.node}: cannot point the VIP ${e.vip} at balancer ${e.balancer}: ${oneLine(r.stderr || `exit ${r.exitCode}`)}`);
        }),
      );
    }),
  );
}
