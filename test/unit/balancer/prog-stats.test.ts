// The agent's hold on the kernel's eBPF run-time statistics: on only for a window, only while a program sees
// traffic, off again on request, on unload and on shutdown.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../../lab-images/balancer/agent/agent';
import { ProgStatsHolder } from '../../../lab-images/balancer/agent/prog-stats';
import { agentConfigSchema } from '../../../lab-images/balancer/contract/config';
import { requestSchema } from '../../../lab-images/balancer/agent/ipc';
import { FakeDataplane, FakeHaproxy } from './fakes';
import { sampleConfig } from './fixtures';

class Holder {
  log: string[] = [];
  async start(programs: string[], seconds: number) {
    this.log.push(`start ${programs.join(',')} ${seconds}`);
  }
  stop() {
    this.log.push('stop');
  }
}

function setup() {
  const holder = new Holder();
  const agent = new Agent({ loadDataplane: async (ifs) => new FakeDataplane(ifs), haproxy: new FakeHaproxy(), progStats: holder, sweepIntervalMs: 0 });
  return { agent, holder };
}

describe('program statistics in the agent', () => {
  it('hold the attached program for the window asked, and let go on off and on shutdown', async () => {
    const { agent, holder } = setup();
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    expect(await agent.progStats(true, 42)).toEqual({ programs: ['/sys/fs/bpf/lblab/progs/lb_ingress'] });
    await agent.progStats(false);
    await agent.shutdown();
    expect(holder.log).toEqual(['start /sys/fs/bpf/lblab/progs/lb_ingress 42', 'stop', 'stop', 'stop']);
  });

  it('refuse, in one line, when no eBPF program sees traffic (no config, or a proxy mode)', async () => {
    const { agent, holder } = setup();
    await expect(agent.progStats(true)).rejects.toThrow(/^no eBPF program is attached \(no service in an eBPF mode\)$/);
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    const c = sampleConfig();
    c.services[0].mode = 'l4proxy';
    await agent.apply(agentConfigSchema.parse(c));
    await expect(agent.progStats(true)).rejects.toThrow(/no eBPF program is attached/);
    expect(holder.log.filter((l) => l.startsWith('start'))).toEqual([]);
    await agent.shutdown();
  });

  it('the request: on with a time limit up to an hour, or off', () => {
    expect(requestSchema.safeParse({ op: 'prog-stats', on: true, seconds: 30 }).success).toBe(true);
    expect(requestSchema.safeParse({ op: 'prog-stats', on: false }).success).toBe(true);
    expect(requestSchema.safeParse({ op: 'prog-stats', on: true, seconds: 7200 }).success).toBe(false);
    expect(requestSchema.safeParse({ op: 'prog-stats', on: 'yes' }).success).toBe(false);
  });

  it('the real holder: a program that cannot be opened is one line, and leaves no pid file behind', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'lbprog-')), 'prog-stats.pid');
    const h = new ProgStatsHolder(pidFile);
    // without CAP_SYS_ADMIN the stats cannot be enabled; with it the pinned path is missing: either way one line
    await expect(h.start(['/sys/fs/bpf/lblab-missing/progs/lb_ingress'], 5)).rejects.toThrow(
      /^program stats not enabled: (BPF_ENABLE_STATS: .+|open \/sys\/fs\/bpf\/lblab-missing\/progs\/lb_ingress: .+)$/,
    );
    expect(h.holding).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });
});
