// The agent's hold on the kernel's eBPF run-time statistics: on only for the time asked, on whichever program
// the switches attach meanwhile, off again on request, on unload and on shutdown.
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
  it('hold the attached program for the time asked, and let go on off and on shutdown', async () => {
    const { agent, holder } = setup();
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    expect(await agent.progStats(true, 42)).toEqual({ programs: ['/sys/fs/bpf/lblab/progs/lb_ingress'] });
    await agent.progStats(false);
    await agent.shutdown();
    // the time asked is counted from when it was asked: a hair under 42 s by the time the holder starts
    const whole = holder.log.map((l) => l.replace(/ (\d+(\.\d+)?)$/, (_, n: string) => ` ${Math.round(Number(n))}`));
    expect(whole).toEqual(['stop', 'start /sys/fs/bpf/lblab/progs/lb_ingress 42', 'stop', 'stop', 'stop']);
  });

  it('while on, follow the switches: a proxy mode holds nothing, an eBPF mode again the program, a new hook its own', async () => {
    const { agent, holder } = setup();
    // asked before any program is attached: on, holding none until one is
    expect(await agent.progStats(true, 60)).toEqual({ programs: [] });
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    const held = () => holder.log.filter((l) => l.startsWith('start')).length;
    expect(held()).toBe(1);
    // another eBPF mode: the same program, the same hold (no gap in the counting)
    const nat = sampleConfig();
    nat.services[0].mode = 'nat';
    await agent.apply(agentConfigSchema.parse(nat));
    expect(held()).toBe(1);
    const proxy = sampleConfig();
    proxy.services[0].mode = 'l4proxy';
    await agent.apply(agentConfigSchema.parse(proxy));
    expect(holder.log.at(-1)).toBe('stop');
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    expect(held()).toBe(2);
    // the other hook is another load: its program is held anew
    await agent.apply(agentConfigSchema.parse({ ...sampleConfig(), hook: 'xdp' }));
    expect(held()).toBe(3);
    // off: nothing is held again at the next switch
    await agent.progStats(false);
    await agent.apply(agentConfigSchema.parse(sampleConfig()));
    expect(held()).toBe(3);
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
