// A rate on a link to a network that spans hosts: the lab validates, the link
// is marked as an overlay's, and the helper's script shapes its veth peer in
// the overlay's namespace, found through the dockerd holding the node's sandbox.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { hostShapingScript, overlayNetnsName, shapedLinks } from '../../../electron/engine/deploy/shaping';
import { planLab } from '../../../electron/engine/topology/index';
import { tpl } from '../topology/fixtures';

function spread(): LabDoc {
  const d = structuredClone(tpl('compare')) as LabDoc;
  d.hosts = { h1: 'default', h2: 'tcp://198.19.254.2:2376' };
  d.nodes.web2.host = 'h2';
  for (const n of Object.values(d.nodes)) for (const l of n.links) delete l.rate;
  d.nodes.web2.links[0].rate = '50mbit';
  return d;
}

describe('shaping a link on an overlay', () => {
  it('plans (no refusal) and marks the link as an overlay link', () => {
    const plan = planLab(spread());
    const links = shapedLinks(plan);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ node: 'web2', network: plan.nodes.find((n) => n.name === 'web2')!.interfaces[0].network, rate: '50mbit', overlay: true });
  });

  it("names the overlay's namespace file as libnetwork does: 1- and ten characters of the network ID", () => {
    expect(overlayNetnsName('kl8higz7co0nvd4g2l1h3wmu4')).toBe('1-kl8higz7co');
  });

  it("enters the overlay's namespace through the dockerd that holds the node's sandbox, with the helper's own tc", () => {
    const s = hostShapingScript([{ node: 'web2', address: '198.18.1.5', network: 'back', rate: '50mbit', overlay: true, ifindex: 14, peer: { sandbox: 'b220cea6f61f', netns: '1-kl8higz7co' } }]);
    expect(s).toContain("where=$(sbdir 'b220cea6f61f')");
    expect(s).toContain('ns="/proc/${where%% *}/root${where#* }/1-kl8higz7co"');
    expect(s).toMatch(/nsenter --net="\$ns" tc qdisc replace dev "\$dev" root tbf rate 50mbit /);
    // a bridge link's peer is looked up in the host netns, as before: no namespace helper then
    expect(hostShapingScript([{ node: 'c', address: '198.18.0.2', network: 'front', rate: '10mbit', ifindex: 5 }])).not.toContain('sbdir');
  });
});
