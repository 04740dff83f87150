// `lblab engines`: the eBPF verdict from an engine's info, a probe of an
// engine that is not there (in words, quickly), and the table.
import { describe, expect, it } from 'vitest';
import { formatEngines } from '../../../electron/cli/engines-format';
import { describeEngine, ebpfVerdict } from '../../../electron/engine/docker/describe-engines';

describe('ebpfVerdict', () => {
  it('a Linux kernel ≥ 6.3 is enough as far as the info tells; older kernels and other systems are not', () => {
    expect(ebpfVerdict('linux', '6.18.44-fc-v1272')).toMatchObject({ ok: true, checked: expect.stringMatching(/6\.18 ≥ 6\.3.*BTF/) });
    expect(ebpfVerdict('linux', '6.3.0')?.ok).toBe(true);
    expect(ebpfVerdict('linux', '5.15.0-91-generic')).toMatchObject({ ok: false, checked: expect.stringMatching(/5\.15 < 6\.3.*l4proxy and l7 work/) });
    expect(ebpfVerdict('windows', '10.0 20348')).toMatchObject({ ok: false, checked: expect.stringMatching(/windows containers/) });
    expect(ebpfVerdict('linux', undefined)?.ok).toBe(false);
  });
});

describe('describeEngine', () => {
  it('an engine that refuses: answers false, why in one line, no stack', async () => {
    const d = await describeEngine({ name: 'gone', host: 'unix:///nonexistent/docker.sock', transport: 'unix', source: 'option' }, true, 2000);
    expect(d).toMatchObject({ name: 'gone', current: true, answers: false });
    expect(d.problem).toMatch(/^the Docker engine gone \(unix:\/\/\/nonexistent\/docker\.sock\): no socket there/);
    expect(d.problem).not.toContain('\n');
  });
});

describe('formatEngines', () => {
  it('one row per engine, the current one starred, then the problems and what eBPF support means', () => {
    const text = formatEngines([
      { name: 'default', host: 'unix:///var/run/docker.sock', transport: 'unix', current: false, answers: true, serverVersion: '28.0', kernel: '6.18.1', cpus: 8, memoryBytes: 16 * 2 ** 30, ebpf: { ok: true, checked: 'Linux kernel 6.18 ≥ 6.3' } },
      { name: 'far', host: 'tcp://10.0.0.1:2376', transport: 'tcp', tls: 'verify', current: true, answers: false, problem: 'did not answer in time' },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\s+NAME\s+HOST\s+ANSWERS\s+KERNEL\s+CPUS\s+MEMORY\s+EBPF$/);
    expect(lines[1]).toMatch(/^\s+default\s+unix:\/\/\/var\/run\/docker\.sock\s+yes \(Docker 28\.0\)\s+6\.18\.1\s+8\s+16\.0 GiB\s+yes$/);
    expect(lines[2]).toMatch(/^\*\s+far\s+tcp:\/\/10\.0\.0\.1:2376 \(tls\)\s+no\s+-\s+-\s+-\s+-$/);
    expect(lines.slice(4)).toEqual(['default: eBPF: Linux kernel 6.18 ≥ 6.3', 'far: did not answer in time']);
  });
});
