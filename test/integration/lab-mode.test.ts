// `lblab mode` switches a service live: same containers (no redeploy), the new
// mode in status, the VIP still answers; a mode the topology cannot support is
// refused with one line and changes nothing.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabStatus } from '../../electron/api';
import { lblab, LAB_PREFIX, rewriteLab, ROOT, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}mode`;
let ids: string[] = [];
let vip = '';

afterAll(async () => {
  await lblab(['down', LAB]);
});

async function status(): Promise<LabStatus> {
  const r = await lblab(['status', LAB, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LabStatus;
}

/** Several requests to the VIP from client1: all must answer 200. */
async function vipAnswers() {
  const r = await lblab(['exec', LAB, 'client1', '--', 'sh', '-c', `for i in 1 2 3 4 5 6; do curl -s -m 5 -o /dev/null -w '%{http_code}\\n' http://${vip}/ || echo fail; done`]);
  expect(r.stdout.trim().split('\n'), r.stderr).toEqual(Array(6).fill('200'));
}

describe.sequential('live mode switch (dsr lab)', () => {
  it('deploys in dsr', async () => {
    const { file } = rewriteLab(path.join(ROOT, 'labs/dsr.lab.yaml'), LAB, tmpDir(), 180);
    const r = await lblab(['up', file]);
    expect(r.code, r.stderr).toBe(0);
    const s = await status();
    ids = s.nodes.map((n) => n.id!);
    vip = s.services[0].vip;
    expect(s.services[0].mode).toBe('dsr');
    await vipAnswers();
  });

  it('dsr → snat without restarting anything', async () => {
    const r = await lblab(['mode', LAB, 'web', 'snat']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`web snat ${vip}:80`);
    const s = await status();
    expect(s.services[0].mode).toBe('snat');
    expect(s.nodes.map((n) => n.id)).toEqual(ids);
    await vipAnswers();
  });

  it('a mode this topology cannot run: one line, exit 1, mode unchanged', async () => {
    const r = await lblab(['mode', LAB, 'web', 'nat']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lblab: service web cannot run in nat mode/);
    expect((await status()).services[0].mode).toBe('snat');
  });

  it('an unknown service: one line naming the services', async () => {
    const r = await lblab(['mode', LAB, 'nosuch', 'dsr']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`lblab: lab ${LAB} has no service nosuch (services: web)`);
  });

  it('snat → dsr again', async () => {
    const r = await lblab(['mode', LAB, 'web', 'dsr']);
    expect(r.code, r.stderr).toBe(0);
    expect((await status()).services[0].mode).toBe('dsr');
    await vipAnswers();
  });

  it('stats reports the service in its live mode', async () => {
    const r = await lblab(['stats', LAB, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(r.stdout) as { service: string; mode: string }[];
    expect(stats.find((s) => s.service === 'web')?.mode).toBe('dsr');
  });
});
