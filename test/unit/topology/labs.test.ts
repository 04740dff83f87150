// Every example lab: loads clean, round-trips through formatLab, is a template, and plans.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES, type LabDoc } from '../../../electron/api';
import { formatLab, getTemplate, listTemplates, loadLabFile, parseLabText, planLab, validateLab } from '../../../electron/engine/topology/index';

// nat needs the servers behind the balancer, away from the clients; dsr needs them on the balancer's L2;
// dsr and tunnel need a route from each server back to the clients
const SUPPORTED: Record<string, string[]> = {
  dsr: ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7'],
  snat: ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7'],
  tunnel: ['tunnel', 'snat', 'l4proxy', 'l7'],
  // two-arm without a router: servers have no route to the clients, so no direct (dsr/tunnel) replies
  nat: ['nat', 'snat', 'l4proxy', 'l7'],
  l4proxy: ['nat', 'snat', 'l4proxy', 'l7'],
  l7: ['nat', 'snat', 'l4proxy', 'l7'],
  'multi-tier': ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7'],
  // two-arm balancer with a router beside it: the one topology every mode runs on
  compare: ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'],
  // the compare topology with the balancer's and the servers' links shaped alike
  'dsr-vs-nat': ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'],
  // a tier behind a router: nat and snat need the answers back through the member holding the translation
  tier: ['dsr', 'tunnel', 'l4proxy', 'l7'],
};
const labsDir = path.resolve(import.meta.dirname, '../../../labs');
const ids = fs.readdirSync(labsDir).filter((f) => f.endsWith('.lab.yaml')).map((f) => f.replace(/\.lab\.yaml$/, '')).sort();

describe('example labs', () => {
  it('cover every mode, the multi-tier preset and the all-modes comparison lab', () => {
    expect(ids).toEqual(['compare', 'dsr', 'dsr-vs-nat', 'l4proxy', 'l7', 'multi-tier', 'nat', 'snat', 'tier', 'tunnel']);
  });

  for (const id of ids) {
    describe(id, () => {
      it('loads without issues', async () => {
        const doc = await loadLabFile(path.join(labsDir, `${id}.lab.yaml`));
        expect(doc.name).toBe(id);
        expect(validateLab(doc)).toEqual({ ok: true, issues: [] });
      });

      it('round-trips: parse(format(doc)) deep-equals doc, and format is stable', async () => {
        const doc = await loadLabFile(path.join(labsDir, `${id}.lab.yaml`));
        const text = formatLab(doc);
        const again = parseLabText(text);
        expect(again.issues).toEqual([]);
        expect(again.doc).toEqual(doc);
        expect(formatLab(again.doc!)).toBe(text);
        // key order: name, description, networks, nodes, services
        expect(text.split('\n').filter((l) => /^\w/.test(l)).map((l) => l.split(':')[0])).toEqual(['name', 'description', 'networks', 'nodes', 'services']);
      });

      it('has positions for the canvas and 3 servers', async () => {
        const doc = await loadLabFile(path.join(labsDir, `${id}.lab.yaml`));
        for (const n of Object.values(doc.nodes)) expect(n.position).toBeDefined();
        for (const n of Object.values(doc.networks)) expect(n.position).toBeDefined();
        expect(Object.values(doc.nodes).filter((n) => n.kind === 'server')).toHaveLength(3);
      });

      it('plans in its own mode and exactly in the modes its topology supports', async () => {
        const doc = await loadLabFile(path.join(labsDir, `${id}.lab.yaml`));
        const plan = planLab(doc);
        expect(plan.nodes.map((n) => n.name).sort()).toEqual(Object.keys(doc.nodes).sort());
        for (const s of plan.services) expect(s.backends.every((b) => b.address && b.network)).toBe(true);
        const svc = id === 'multi-tier' ? 'edge' : 'web';
        const ok = MODES.filter((mode) => {
          try {
            return planLab(doc, { modes: { [svc]: mode } }).services.find((s) => s.name === svc)!.mode === mode;
          } catch {
            return false;
          }
        });
        expect(ok).toEqual(SUPPORTED[id]);
      });
    });
  }

  it('multi-tier: tunnel to a gateway that runs an eBPF mode is refused in one line (both need its ingress hook)', async () => {
    const doc = await loadLabFile(path.join(labsDir, 'multi-tier.lab.yaml'));
    expect(planLab(doc, { modes: { edge: 'tunnel' } }).services.find((s) => s.name === 'edge')!.mode).toBe('tunnel');
    const r = validateLab(doc, { modes: { edge: 'tunnel', gw1: 'nat' } });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/^mode tunnel cannot reach balancer gw1: its service gw1 runs in nat, whose eBPF program holds the hook/));
    expect(r.issues.some((i) => i.message.includes('balancer gw2'))).toBe(false); // gw2 stays l7
  });

  it('templates list every lab with its mode', () => {
    const t = listTemplates();
    expect(t.map((x) => x.id).sort()).toEqual(ids);
    expect(Object.fromEntries(t.map((x) => [x.id, x.mode]))).toEqual({
      compare: 'dsr', dsr: 'dsr', 'dsr-vs-nat': 'dsr', tunnel: 'tunnel', nat: 'nat', snat: 'snat', l4proxy: 'l4proxy', l7: 'l7', 'multi-tier': 'multi-tier', tier: 'dsr',
    });
    for (const x of t) expect(x.title.length).toBeGreaterThan(2);
  });

  it('getTemplate returns the doc, and nothing for unknown or path-like ids', () => {
    expect(getTemplate('nat')?.name).toBe('nat');
    expect(getTemplate('nope')).toBeUndefined();
    expect(getTemplate('../package')).toBeUndefined();
  });

  it('LBLAB_LABS_DIR overrides the folder', () => {
    const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'lblab-labs-'));
    fs.copyFileSync(path.join(labsDir, 'dsr.lab.yaml'), path.join(tmp, 'only.lab.yaml'));
    const before = process.env.LBLAB_LABS_DIR;
    process.env.LBLAB_LABS_DIR = tmp;
    try {
      expect(listTemplates().map((x) => x.id)).toEqual(['only']);
    } finally {
      if (before === undefined) delete process.env.LBLAB_LABS_DIR;
      else process.env.LBLAB_LABS_DIR = before;
      fs.rmSync(tmp, { recursive: true });
    }
  });

  it('formatLab keeps explicit fields and drops undefined ones', () => {
    const doc: LabDoc = {
      name: 'x',
      description: 'two lines:\n  with: "quotes" and # a hash',
      networks: { a: { subnet: '10.1.0.0/24' }, b: {} },
      nodes: {
        lb: { kind: 'balancer', links: [{ network: 'a', rate: '1gbit', address: '10.1.0.9' }, { network: 'b' }], position: { x: 1.5, y: -2 } },
        s: { kind: 'server', image: 'nginx:latest', trust: true, links: [{ network: 'b' }] },
      },
      services: { web: { balancer: 'lb', mode: 'l7', port: 8080, backends: ['s'], routes: [{ host: 'a.example', header: { 'X-A': 'b' }, backends: [{ node: 's', weight: 3 }] }], health: { type: 'http', path: '/h', interval: '1s' } } },
    };
    const back = parseLabText(formatLab(doc));
    expect(back.issues).toEqual([]);
    expect(back.doc).toEqual(doc);
  });
});
