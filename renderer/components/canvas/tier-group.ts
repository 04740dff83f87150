// A tier of balancers drawn as one group: a box around its members (the service's `balancer: [...]`),
// computed from their positions and sizes. It is not their React Flow parent: members keep their
// absolute positions in the lab file, and a balancer may stand in the tiers of several services.
import { balancersOf, isTier, type LabDoc } from '../../../electron/api';

export interface TierBox {
  service: string;
  mode: string;
  members: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A lab node's box before React Flow has measured it (.lab-node: 150 wide, at least 58 high). */
const NODE = { width: 150, height: 58 };
const PAD = 16;
/** room above the members for the group's label */
const HEAD = 22;

export function tierBoxes(doc: LabDoc, size: (node: string) => { width: number; height: number } | undefined): TierBox[] {
  const out: TierBox[] = [];
  for (const [service, svc] of Object.entries(doc.services ?? {})) {
    if (!isTier(svc)) continue;
    const members = balancersOf(svc).filter((m) => doc.nodes[m]);
    if (members.length < 2) continue;
    const boxes = members.map((m) => ({ ...(doc.nodes[m].position ?? { x: 0, y: 0 }), ...(size(m) ?? NODE) }));
    const x0 = Math.min(...boxes.map((b) => b.x)) - PAD;
    const y0 = Math.min(...boxes.map((b) => b.y)) - PAD - HEAD;
    const x1 = Math.max(...boxes.map((b) => b.x + b.width)) + PAD;
    const y1 = Math.max(...boxes.map((b) => b.y + b.height)) + PAD;
    out.push({ service, mode: svc.mode, members, x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return out;
}
