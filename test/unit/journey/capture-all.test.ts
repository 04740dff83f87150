// The capture orchestration with a scripted stand-in for the containers: the
// order of start / wait / work / stop, and that every node is stopped (and
// swept) whatever fails. The scripts themselves run for real in the
// integration test.
import { describe, expect, it } from 'vitest';
import { captureDuring, type CaptureTarget, type NodeShell } from '../../../electron/engine/journey/capture-all';

const targets: CaptureTarget[] = [
  { node: 'client1', container: 'c-client1', ifaces: [{ name: 'eth0', mac: 'aa' }] },
  { node: 'lb', container: 'c-lb', ifaces: [{ name: 'eth0', mac: 'bb' }, { name: 'eth1', mac: 'cc' }] },
];

type Step = 'start' | 'wait' | 'stop';
const stepOf = (script: string): Step => (script.includes('kill -TERM') ? 'stop' : script.includes('listening on') ? 'wait' : 'start');
const envVal = (env: string[], k: string) => env.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1);

/** A shell that logs every call; `answer` may change a step's result for a container. */
function fakeShell(answer: (step: Step, container: string) => { exitCode?: number; stdout?: string; stderr?: string } | undefined = () => undefined) {
  const log: string[] = [];
  const envs: Record<string, string[]> = {};
  const shell: NodeShell = async (container, script, env) => {
    const step = stepOf(script);
    log.push(`${step} ${container}`);
    envs[`${step} ${container}`] = env;
    const ifaces = (envVal(env, 'IFACES') ?? '').split(' ');
    const def = {
      start: { exitCode: 0, stdout: ifaces.map((_, i) => `${100 + i}`).join('\n'), stderr: '' },
      wait: { exitCode: 0, stdout: '', stderr: '' },
      stop: { exitCode: 0, stdout: ifaces.map((i) => (i === 'eth1' ? `${i} -` : `${i} ${Buffer.from(`pcap of ${container}/${i}`).toString('base64')}`)).join('\n'), stderr: '' },
    }[step];
    return { ...def, ...answer(step, container) };
  };
  return { shell, log, envs };
}

describe('captureDuring', () => {
  it('starts and waits on every node before the work, then stops each by the pids it started and reads the files', async () => {
    const { shell, log, envs } = fakeShell();
    const r = await captureDuring(targets, { filter: 'tcp port 80 or ip proto 4', shell }, async () => {
      log.push('work');
      return 42;
    });
    expect(r.result).toBe(42);
    const work = log.indexOf('work');
    expect(log.slice(0, work).sort()).toEqual(['start c-client1', 'start c-lb', 'wait c-client1', 'wait c-lb']);
    expect(log.slice(work + 1).sort()).toEqual(['stop c-client1', 'stop c-lb']);
    expect(envVal(envs['stop c-lb'], 'PIDS')).toBe('100 101');
    expect(envVal(envs['start c-lb'], 'FILTER')).toBe('tcp port 80 or ip proto 4');
    // the session's files and processes share one unique name
    expect(envVal(envs['stop c-lb'], 'SID')).toBe(envVal(envs['start c-client1'], 'SID'));
    expect(envVal(envs['stop c-lb'], 'SID')).toMatch(/^lblab-journey-/);
    // an empty capture file is no file
    expect(r.files.map((f) => [f.node, f.iface, f.mac, f.pcap.toString()]).sort()).toEqual([
      ['client1', 'eth0', 'aa', 'pcap of c-client1/eth0'],
      ['lb', 'eth0', 'bb', 'pcap of c-lb/eth0'],
    ]);
  });

  it('stops every node when the work fails, and rethrows its error', async () => {
    const { shell, log } = fakeShell();
    await expect(
      captureDuring(targets, { filter: 'x', shell }, async () => {
        throw new Error('curl exploded');
      }),
    ).rejects.toThrow('curl exploded');
    expect(log.filter((l) => l.startsWith('stop')).sort()).toEqual(['stop c-client1', 'stop c-lb']);
  });

  it('a node whose tcpdump does not listen fails the capture with its name, and never runs the work; all nodes are still stopped', async () => {
    const { shell, log } = fakeShell((step, c) => (step === 'wait' && c === 'c-lb' ? { exitCode: 2, stderr: 'tcpdump on eth1 failed: eth1: No such device exists' } : undefined));
    let worked = false;
    await expect(captureDuring(targets, { filter: 'x', shell }, async () => (worked = true))).rejects.toThrow('lb: tcpdump on eth1 failed: eth1: No such device exists');
    expect(worked).toBe(false);
    expect(log.filter((l) => l.startsWith('stop')).sort()).toEqual(['stop c-client1', 'stop c-lb']);
  });

  it('a failing stop is reported once the work succeeded', async () => {
    const { shell } = fakeShell((step, c) => (step === 'stop' && c === 'c-client1' ? { exitCode: 1, stderr: 'kill: permission denied' } : undefined));
    await expect(captureDuring(targets, { filter: 'x', shell }, async () => 1)).rejects.toThrow('client1: stopping the capture failed: kill: permission denied');
  });

  it('a node without tcpdump is skipped and said so', async () => {
    const { shell } = fakeShell((step, c) => (c !== 'c-client1' ? undefined : step === 'start' ? { stdout: 'no-tcpdump\n' } : step === 'stop' ? { stdout: 'eth0 -\n' } : undefined));
    const r = await captureDuring(targets, { filter: 'x', shell }, async () => 1);
    expect(r.skipped).toEqual(['client1 (no tcpdump)']);
    expect(r.files.map((f) => f.node)).toEqual(['lb']);
  });

  it('nodes without interfaces are left alone', async () => {
    const { shell, log } = fakeShell();
    await captureDuring([{ node: 'x', container: 'c-x', ifaces: [] }], { filter: 'x', shell }, async () => 1);
    expect(log).toEqual([]);
  });
});
