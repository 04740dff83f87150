// A shaped link holds its rate in both directions: a client on a 100mbit link
// measures 85–105 Mbit/s with iperf3 sending to a server (its egress: TBF inside
// the node) and receiving from it (its ingress: TBF on the host-side veth peer,
// deploy/shaping.ts). An unshaped client on the same network measures far more,
// so the limit is the shaping, not the machine.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabStatus } from '../../electron/api';
import { docker } from '../../electron/engine/docker/client';
import { labFilter } from '../../electron/engine/docker/labels';
import { lblab, LAB_PREFIX, rewriteLab, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}shaped`;

afterAll(async () => {
  await lblab(['down', LAB]);
});

/** Mbit/s measured by the receiver over 4 s, the first (slow-start / burst) second omitted. */
async function iperf(client: string, args: string[]): Promise<number> {
  const r = await lblab(['exec', LAB, client, '--', 'iperf3', '-J', '-t', '4', '-O', '1', ...args]);
  expect(r.code, r.stderr || r.stdout.slice(-500)).toBe(0);
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e6;
}

describe.sequential('shaping', () => {
  let server = '';

  it('deploys a lab with a 100mbit link; the host-side helper is gone after deploy', async () => {
    const { file } = rewriteLab(path.join(__dirname, 'fixtures/shaped.lab.yaml'), LAB, tmpDir());
    const r = await lblab(['up', file]);
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus;
    expect(st.nodes.find((n) => n.name === 'client1')?.interfaces[0].rate).toBe('100mbit');
    server = st.nodes.find((n) => n.name === 'web1')!.interfaces[0].address.split('/')[0];
    const left = await docker().listContainers({ all: true, filters: labFilter(LAB) });
    expect(left.map((c) => c.Labels['io.lblab.node']).sort()).toEqual(['client1', 'client2', 'web1']);
    const s = await lblab(['exec', LAB, 'web1', '--', 'iperf3', '-s', '-D']);
    expect(s.code, s.stderr).toBe(0);
  });

  it('client → server holds 85–105 Mbit/s', async () => {
    const mbit = await iperf('client1', ['-c', server]);
    console.log(`shaped upload: ${mbit.toFixed(1)} Mbit/s`);
    expect(mbit).toBeGreaterThan(85);
    expect(mbit).toBeLessThan(105);
  });

  it('server → client holds 85–105 Mbit/s', async () => {
    const mbit = await iperf('client1', ['-c', server, '-R']);
    console.log(`shaped download: ${mbit.toFixed(1)} Mbit/s`);
    expect(mbit).toBeGreaterThan(85);
    expect(mbit).toBeLessThan(105);
  });

  it('the unshaped path is far faster (both directions)', async () => {
    const up = await iperf('client2', ['-c', server]);
    const down = await iperf('client2', ['-c', server, '-R']);
    console.log(`unshaped upload: ${up.toFixed(0)} Mbit/s, download: ${down.toFixed(0)} Mbit/s`);
    expect(up).toBeGreaterThan(200);
    expect(down).toBeGreaterThan(200);
  });
});
