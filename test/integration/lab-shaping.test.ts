// A shaped link holds its rate: a client on a 100mbit link sends to a server
// with iperf3 and measures 85–105 Mbit/s (the unshaped path is far faster).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabStatus } from '../../electron/api';
import { lblab, LAB_PREFIX, rewriteLab, tmpDir } from './fixtures/h3b-cli';

const LAB = `${LAB_PREFIX}shaped`;

afterAll(async () => {
  await lblab(['down', LAB]);
});

async function iperf(args: string[]): Promise<number> {
  const r = await lblab(['exec', LAB, 'client1', '--', 'iperf3', '-J', '-t', '4', '-O', '1', ...args]);
  expect(r.code, r.stderr || r.stdout.slice(-500)).toBe(0);
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e6;
}

describe.sequential('shaping', () => {
  let server = '';

  it('deploys a lab with a 100mbit link', async () => {
    const { file } = rewriteLab(path.join(__dirname, 'fixtures/shaped.lab.yaml'), LAB, tmpDir());
    const r = await lblab(['up', file]);
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus;
    expect(st.nodes.find((n) => n.name === 'client1')?.interfaces[0].rate).toBe('100mbit');
    server = st.nodes.find((n) => n.name === 'web1')!.interfaces[0].address.split('/')[0];
    const s = await lblab(['exec', LAB, 'web1', '--', 'iperf3', '-s', '-D']);
    expect(s.code, s.stderr).toBe(0);
  });

  it('client → server holds 85–105 Mbit/s', async () => {
    const mbit = await iperf(['-c', server]);
    console.log(`shaped upload: ${mbit.toFixed(1)} Mbit/s`);
    expect(mbit).toBeGreaterThan(85);
    expect(mbit).toBeLessThan(105);
  });

  it('server → client holds 85–105 Mbit/s', async () => {
    const mbit = await iperf(['-c', server, '-R']);
    console.log(`shaped download: ${mbit.toFixed(1)} Mbit/s`);
    expect(mbit).toBeGreaterThan(85);
    expect(mbit).toBeLessThan(105);
  });
});
