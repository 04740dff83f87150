// `hosts` and a node's `host`: a lab spread over several Docker engines. The
// file names engines the way Docker does; validation names an unknown host,
// two hosts on one engine and a first host without nodes; the plan places
// each node and makes a network whose nodes span hosts an overlay, with the
// overlay's MTU on every network of the lab.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { anchorNode } from '../../../electron/engine/labs/lab-record';
import { formatLab, formatPath, parseLabText, planLab, validateLab } from '../../../electron/engine/topology/index';
import { contains, ipToInt, parseSubnet } from '../../../electron/engine/topology/net4';
import { OVERLAY_MTU } from '../../../electron/engine/topology/plan';
import { tpl } from './fixtures';

const lines = (doc: unknown) => validateLab(doc).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

/** The dsr template spread: clients on h1, the balancer on h2, servers on h2 and h3. */
function spread(): LabDoc {
  const d = structuredClone(tpl('dsr')) as LabDoc;
  d.hosts = { h1: 'default', h2: 'ssh://ops@198.19.254.2', h3: 'lab-3' };
  const servers = Object.keys(d.nodes).filter((n) => d.nodes[n].kind === 'server');
  for (const n of Object.keys(d.nodes)) if (d.nodes[n].kind === 'balancer') d.nodes[n].host = 'h2';
  servers.forEach((n, i) => (d.nodes[n].host = i % 2 ? 'h3' : 'h2'));
  return d;
}

describe('hosts in the lab file', () => {
  it('accepts default, Docker URLs and context names', () => {
    expect(lines(spread())).toEqual([]);
    expect(lines({ ...spread(), hosts: { h1: 'default', h2: 'tcp://198.19.254.3:2376', h3: 'unix:///run/other.sock' } })).toEqual([]);
  });

  it('names an unknown host, and a host without hosts', () => {
    const d = spread();
    const server = Object.keys(d.nodes).find((n) => d.nodes[n].kind === 'server')!;
    d.nodes[server].host = 'h9';
    expect(lines(d)).toEqual([`nodes.${server}.host: unknown host "h9" (hosts: h1, h2, h3)`]);
    const one = structuredClone(tpl('dsr')) as LabDoc;
    one.nodes[server].host = 'h2';
    expect(lines(one)).toEqual([`nodes.${server}.host: unknown host "h2": the lab names no hosts (add hosts: { h2: ENGINE })`]);
  });

  it('refuses two hosts on one engine, a bad engine, a bad name and an empty map', () => {
    expect(lines({ ...spread(), hosts: { h1: 'default', h2: 'lab-3', h3: 'lab-3' } })).toEqual(['hosts.h3: hosts h2 and h3 are the same engine (lab-3); give each host its own engine']);
    expect(lines({ ...spread(), hosts: { h1: 'default', h2: 'ftp://x', h3: 'lab-3' } })[0]).toMatch(/^hosts\.h2: .*must be default, a Docker URL/);
    expect(lines({ ...spread(), hosts: { h1: 'default', H2: 'lab-2', h3: 'lab-3', h2: 'lab-4' } })).toEqual(['hosts.H2: host name "H2" must be lowercase letters, digits and dashes (max 32), not starting or ending with a dash']);
    expect(lines({ ...spread(), hosts: {} })[0]).toMatch(/^hosts: .*must name at least one host/);
  });

  it('wants a node on the first host, which keeps the record', () => {
    const d = spread();
    for (const n of Object.keys(d.nodes)) d.nodes[n].host ??= 'h3';
    expect(lines(d)).toEqual(["hosts.h1: host h1, the lab's first host, holds no node: it keeps the lab's record, so place at least one node there (nodes without host go there)"]);
  });

  it('plans each node on its host, overlays where nodes span hosts, the overlay MTU everywhere', () => {
    const d = spread();
    const plan = planLab(d);
    const lb = plan.nodes.find((n) => n.kind === 'balancer')!;
    expect(lb.host).toBe('h2');
    expect(plan.nodes.filter((n) => n.kind === 'client').every((n) => n.host === 'h1')).toBe(true);
    expect(plan.hosts).toEqual(d.hosts);
    for (const net of plan.networks) {
      const hosts = new Set(plan.nodes.filter((n) => n.interfaces.some((i) => i.network === net.name)).map((n) => n.host));
      expect(net.hosts?.sort()).toEqual([...hosts].sort());
      expect(!!net.overlay).toBe(hosts.size > 1);
      expect(net.mtu).toBe(OVERLAY_MTU);
      // Docker's own addresses on an overlay stay clear of every planned address and VIP
      if (net.overlay) {
        const range = parseSubnet(net.dockerRange!)!;
        const planned = [net.gateway, ...plan.nodes.flatMap((n) => n.interfaces.filter((i) => i.network === net.name).map((i) => i.address)), ...plan.services.map((s) => s.vip)];
        expect(planned.filter((a) => contains(range, ipToInt(a)))).toEqual([]);
        expect(range.size).toBeGreaterThanOrEqual(4);
        expect(contains(parseSubnet(net.subnet)!, range.base)).toBe(true);
      } else expect(net.dockerRange).toBeUndefined();
    }
    // the record stays on the first host: the anchor is a node there, not the balancer on h2
    expect(d.nodes[anchorNode(d)].host ?? 'h1').toBe('h1');
  });

  it('leaves a lab without hosts exactly as before', () => {
    const plan = planLab(tpl('dsr'));
    expect(plan.hosts).toBeUndefined();
    expect(plan.nodes.every((n) => n.host === undefined)).toBe(true);
    expect(plan.networks.every((n) => n.overlay === undefined && n.mtu === undefined && n.hosts === undefined)).toBe(true);
  });

  it('survives a save and a load, hosts before networks and host right after kind', () => {
    const text = formatLab(spread());
    expect(text).toMatch(/\nhosts:\n {2}h1: default\n {2}h2: ssh:\/\/ops@198\.19\.254\.2\n {2}h3: lab-3\nnetworks:/);
    expect(text).toMatch(/kind: balancer, host: h2/);
    expect(parseLabText(text).doc).toEqual(spread());
  });
});
