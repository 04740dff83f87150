// Every balancing mode end to end through the `lblab` CLI on the shipped lab
// files (renamed <prefix>mode-<mode>, on their own subnets so they never meet another
// lab): 1000 HTTP requests from a client through the VIP must all succeed and
// spread over the backends within ±25% of their weighted share; the stats the
// balancer reports must count the traffic. Runs only when the lab images exist
// (`lblab images build`), as `lblab up` would otherwise build them first.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { docker, probeDocker } from '../../electron/engine/docker/client';
import { LABEL } from '../../electron/engine/docker/labels';
import { LAB_PREFIX } from '../support/labs';
import { skipIf } from '../support/skip';

const MODES = ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'] as const;
const REQUESTS = 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-modes-'));
const upLabs: string[] = [];

function lblab(args: string[], timeoutMs = 500_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/lblab.mjs', ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (e, out, err) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

/** The shipped lab file, renamed and moved to 198.19.(210 + 8·mode + network).0/24. */
function labFile(mode: (typeof MODES)[number], index: number): { file: string; lab: string; doc: Record<string, any> } {
  const doc = YAML.parse(fs.readFileSync(`labs/${mode}.lab.yaml`, 'utf8'));
  const lab = `${LAB_PREFIX}mode-${mode}`;
  doc.name = lab;
  Object.keys(doc.networks).forEach((n, i) => {
    doc.networks[n] = { ...(doc.networks[n] ?? {}), subnet: `198.19.${210 + index * 4 + i}.0/24` };
  });
  const file = path.join(tmp, `${lab}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return { file, lab, doc };
}

/** Why the suite cannot run here (no engine, images not built), or null. */
async function notReady(): Promise<string | null> {
  const d = await probeDocker();
  if (!d.available) return d.message ?? 'no Docker engine';
  const imgs = await docker().listImages({ filters: { label: [`${LABEL.image}`] } });
  const kinds = new Set(imgs.map((i) => i.Labels?.[LABEL.image]));
  const missing = ['balancer', 'server', 'client'].filter((k) => !kinds.has(k));
  return missing.length ? `lab images not built (${missing.join(', ')}): run \`lblab images build\`` : null;
}

afterAll(async () => {
  for (const lab of upLabs) await lblab(['down', lab]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const skip = await notReady();

describe('balancing modes through the lblab CLI', skipIf(skip), () => {
  MODES.forEach((mode, index) => {
    it(`${mode}: ${REQUESTS} requests all answered, spread by weight, counted in stats`, async () => {
      const { file, lab, doc } = labFile(mode, index);
      const up = await lblab(['up', file]);
      upLabs.push(lab);
      expect(up.code, up.err.trim().split('\n').pop()).toBe(0);
      const status = JSON.parse((await lblab(['status', lab, '--json'])).out);
      const svc = status.services[0];
      const client = Object.entries(doc.nodes).find(([, n]: [string, any]) => n.kind === 'client')![0];
      // l7 routes send /api and canaries elsewhere: plain / exercises the default pool
      // 8 at a time (one exec, each answer one short line: atomic on the pipe), each a new connection
      const one = `curl -s -m 5 http://${svc.vip}:${svc.port}/ | sed -n "s/.*served by \\([a-z0-9-]*\\).*/\\1/p" | head -1`;
      const loop = `seq ${REQUESTS} | xargs -P 8 -n 1 sh -c '${one}' _`;
      const run = await lblab(['exec', lab, client, '--', 'sh', '-c', loop], 800_000);
      expect(run.code).toBe(0);
      const counts: Record<string, number> = {};
      for (const line of run.out.split('\n').filter(Boolean)) counts[line.trim()] = (counts[line.trim()] ?? 0) + 1;
      const answered = Object.values(counts).reduce((a, b) => a + b, 0);
      expect(answered, JSON.stringify(counts)).toBe(REQUESTS);
      const backends: { node: string; weight: number }[] = svc.backends;
      const total = backends.reduce((a, b) => a + b.weight, 0);
      for (const b of backends) {
        const share = (counts[b.node] ?? Object.entries(counts).find(([k]) => k.endsWith(b.node))?.[1] ?? 0) / REQUESTS;
        expect(Math.abs(share - b.weight / total) / (b.weight / total), `${b.node}: ${JSON.stringify(counts)}`).toBeLessThan(0.25);
      }
      const stats = JSON.parse((await lblab(['stats', lab, '--json'])).out);
      const st = (Array.isArray(stats) ? stats : stats.services ?? []).find((s: { service: string }) => s.service === svc.name);
      expect(st?.mode).toBe(mode);
      const traffic = st.backends.reduce((a: number, b: { packets: number; bytes: number }) => a + b.packets + b.bytes, 0);
      expect(traffic).toBeGreaterThan(0);
      await lblab(['down', lab]);
      upLabs.splice(upLabs.indexOf(lab), 1);
    }, 900_000); // `lblab up` may build images first; a loaded CI machine needs minutes
  });
});
