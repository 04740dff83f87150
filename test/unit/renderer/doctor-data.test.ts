// The Break it menu offers what the engine accepts: faultsFor (from a lab's
// status) agrees with the engine's own rule (from the plan) for every node of
// the doctor's test lab and the example labs, in every mode; findings by severity.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { FAULTS, MODES, type Finding, type LabDoc, type LabStatus } from '../../../electron/api';
import { notApplicable } from '../../../electron/engine/doctor/breaks';
import { planLab } from '../../../electron/engine/topology';
import { brokenLine, bySeverity, faultsFor } from '../../../renderer/lib/doctor-data';
import { labDoc } from '../doctor/recorded';

/** What status says of a lab running `doc`: its nodes, its services with their backends, the document. */
function statusOf(doc: LabDoc): LabStatus {
  const plan = planLab(doc);
  return {
    name: doc.name,
    state: 'running',
    networks: [],
    nodes: plan.nodes.map((n) => ({ name: n.name, kind: n.kind, container: n.container, state: 'running', interfaces: [], routes: [] })),
    services: plan.services.map((s) => ({ name: s.name, balancer: s.balancer, vip: s.vip, port: s.port, mode: s.mode, scheduler: s.scheduler, backends: s.backends.map((b) => ({ node: b.node, address: b.address, weight: b.weight })) })),
    doc,
  };
}

const LABS = path.resolve('labs');

describe('faults offered on a node', () => {
  it('the same as the engine accepts, node by node, in every mode of the doctor lab', () => {
    for (const mode of MODES) {
      const doc = labDoc(mode);
      const plan = planLab(doc);
      const status = statusOf(doc);
      for (const n of plan.nodes) {
        const engine = FAULTS.filter((f) => notApplicable(plan, f, n.name) === undefined);
        expect(faultsFor(status, n.name), `${mode} ${n.name}`).toEqual(engine);
      }
    }
  });

  it('the same in every example lab', () => {
    for (const f of fs.readdirSync(LABS).filter((x) => x.endsWith('.lab.yaml'))) {
      const doc = YAML.parse(fs.readFileSync(path.join(LABS, f), 'utf8')) as LabDoc;
      const plan = planLab(doc);
      const status = statusOf(doc);
      for (const n of plan.nodes) expect(faultsFor(status, n.name), `${f} ${n.name}`).toEqual(FAULTS.filter((x) => notApplicable(plan, x, n.name) === undefined));
    }
  });

  it('a dsr backend: the VIP, ARP, stopping it; a client nothing; no lab nothing', () => {
    const status = statusOf(labDoc('dsr'));
    expect(faultsFor(status, 'web2')).toEqual(['vip-missing', 'arp-flux', 'backend-down', 'health-mismatch', 'not-same-l2']);
    expect(faultsFor(status, 'r1')).toEqual(['rp-filter']);
    expect(faultsFor(status, 'client1')).toEqual([]);
    expect(faultsFor(null, 'web2')).toEqual([]);
  });
});

describe('doctor data', () => {
  const f = (kind: Finding['kind'], severity: Finding['severity'], node: string): Finding => ({ kind, severity, node, service: 'web', summary: '', evidence: [], why: '', fix: '' });
  it('groups findings errors first, leaving out empty severities', () => {
    const g = bySeverity([f('client-ip-hidden', 'info', 'lb'), f('backend-down', 'warning', 'web3'), f('vip-missing', 'error', 'web2')]);
    expect(g.map((x) => [x.severity, x.findings.map((y) => y.node)])).toEqual([
      ['error', ['web2']],
      ['warning', ['web3']],
      ['info', ['lb']],
    ]);
    expect(bySeverity([f('backend-down', 'warning', 'web3')]).map((x) => x.severity)).toEqual(['warning']);
  });
  it('says the faults a lab carries in one line', () => {
    const s = { ...statusOf(labDoc('dsr')), breaks: [{ fault: 'backend-down' as const, node: 'web2', at: 1 }, { fault: 'rp-filter' as const, node: 'r1', at: 2 }] };
    expect(brokenLine(s)).toBe('backend-down on web2, rp-filter on r1');
    expect(brokenLine(statusOf(labDoc('dsr')))).toBeUndefined();
  });
});
