// A lab spread over hosts needs its images on every host: each host gets the
// images of the nodes placed on it (and the helper's, which shapes links
// and captures the VXLAN between hosts for journeys), sent from the engine lblab drives, which has just made
// sure it has them (docker save → load, images/transfer.ts). Content-hash tags
// decide what a host already has.
import type { LabHost } from '../docker/placement';
import { sendMissingImages } from '../images/transfer';
import type { LabPlan } from '../topology/plan-types';

export async function sendImagesToHosts(plan: LabPlan, hosts: LabHost[], images: Map<string, string>, helper: string, say: (message: string) => void): Promise<void> {
  const [first, ...rest] = hosts;
  await Promise.all(
    rest.map(async (h) => {
      const nodes = plan.nodes.filter((n) => n.host === h.name);
      const refs = new Set(nodes.map((n) => images.get(n.name)!));
      // the helper image (router) shapes links there, and captures the hosts' VXLAN for journeys
      if (nodes.some((n) => n.interfaces.some((i) => i.rate)) || plan.networks.some((n) => n.overlay)) refs.add(helper);
      if (!refs.size) return;
      await sendMissingImages([...refs], (p) => say(`${h.name}: ${p.message}`), h.client, first.client);
      for (const ref of refs) {
        const there = await h.client.getImage(ref).inspect().then(() => true, () => false);
        if (!there) throw new Error(`host ${h.name} lacks ${ref} and it could not be sent from ${first.name}`);
      }
    }),
  );
}
