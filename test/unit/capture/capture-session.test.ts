// One tcpdump session against a hand-driven exec: the pcap stream split at
// awkward places, stderr split mid-line, start failures, and the stop
// sequence (stdin EOF, TERM by pid, KILL, giving up on the connection).
import { describe, expect, it } from 'vitest';
import type { ExecStarter } from '../../../electron/engine/capture/exec-stream';
import type { PcapRecord } from '../../../electron/engine/capture/pcap-reader';
import { CaptureSession } from '../../../electron/engine/capture/session';
import { PID_TAG, TcpdumpStderr, tcpdumpArgv } from '../../../electron/engine/capture/tcpdump-command';
import { FakeExec, httpExchange, pcapHeader, pcapRecord } from '../../support/capture-fakes';

const T0 = 1_764_300_000_000_000; // µs
const LISTENING = 'tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n';

function manual() {
  const execs: FakeExec[] = [];
  const starter: ExecStarter = async (container, argv) => {
    const x = new FakeExec(container, argv);
    execs.push(x);
    return x;
  };
  return { starter, execs };
}

function session(opts: ConstructorParameters<typeof CaptureSession>[1] = {}) {
  const { starter, execs } = manual();
  const got: { rec: PcapRecord; copy: Buffer }[] = [];
  const s = new CaptureSession({ node: 'lb', iface: 'eth0', container: 'c1' }, opts, starter, (rec) => got.push({ rec, copy: Buffer.from(rec.data) }));
  return { s, execs, got };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Start a session and make the fake tcpdump say it listens. */
async function started(opts = {}) {
  const t = session(opts);
  const p = t.s.start();
  await tick();
  t.execs[0].err(`${PID_TAG} 42\n${LISTENING}`);
  await p;
  return t;
}

const frames = [...httpExchange('198.18.0.10', '198.18.0.100', 40001), ...httpExchange('198.18.0.10', '198.18.0.100', 40002)];
const stream = Buffer.concat([pcapHeader(), ...frames.map((f, i) => pcapRecord(f, T0 + i * 1500))]);

function expectAllFrames(got: { rec: PcapRecord; copy: Buffer }[]) {
  expect(got.map((g) => g.copy.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
  expect(got.map((g) => g.rec.sec * 1e6 + g.rec.nsec / 1000)).toEqual(frames.map((_, i) => T0 + i * 1500));
  expect(got.every((g) => g.rec.len === g.copy.length)).toBe(true);
}

describe('tcpdump command', () => {
  it('passes tcpdump its arguments after the wrapper, the filter as one argument', () => {
    const argv = tcpdumpArgv({ iface: 'eth1', snaplen: 96, filter: ' tcp port 80 and host 198.18.0.10 ' });
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['lblab-capture', '-U', '--immediate-mode', '-w', '-', '-i', 'eth1', '-s', '96', '--', 'tcp port 80 and host 198.18.0.10']);
    expect(tcpdumpArgv({ iface: 'eth0' })).not.toContain('--');
    // the wrapper prints the pid first, kills tcpdump on stdin EOF and reaps its watchdog
    expect(argv[2]).toContain(`echo "${PID_TAG} $p" >&2`);
    expect(argv[2]).toContain('read -r _ <&3; kill $p');
    expect(argv[2]).toContain('wait $w');
  });

  it('reads pid, listening, kernel drops and the complaint from stderr split anywhere', () => {
    const text = `${PID_TAG} 4711\n${LISTENING}tcpdump: pcap_loop: The interface disappeared\n3 packets captured\n5 packets received by filter\n2 packets dropped by kernel\n`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const e = new TcpdumpStderr();
      const a = e.push(text.slice(0, cut));
      const b = e.push(text.slice(cut));
      const started = a || b;
      e.end();
      expect(started).toBe(true);
      expect(e.pid).toBe(4711);
      expect(e.listening).toBe(true);
      expect(e.kernelDrops).toBe(2);
      expect(e.error).toBe('tcpdump: pcap_loop: The interface disappeared');
    }
  });
});

describe('CaptureSession: the pcap stream', () => {
  it('yields every record whatever the chunking: one byte at a time', async () => {
    const { execs, got } = await started();
    for (let i = 0; i < stream.length; i++) execs[0].out(stream.subarray(i, i + 1));
    await tick();
    expectAllFrames(got);
  });

  it('yields every record with cuts inside the file header, a record header and a frame', async () => {
    // cut points: inside the 24-byte header, at its end, inside the first 16-byte record header, mid-frame, at record ends
    const first = 24 + 16 + frames[0].length;
    for (const cuts of [[5], [23, 24, 25], [24 + 7, 24 + 15, 24 + 16, 24 + 17], [first - 1, first + 3, first + 20], [1, 2, 3, 60, 61, 200, 401, 402]]) {
      const { execs, got } = await started();
      let at = 0;
      for (const c of [...cuts, stream.length]) {
        execs[0].out(stream.subarray(at, c));
        at = c;
      }
      await tick();
      expectAllFrames(got);
    }
  });

  it('yields every record with random chunk sizes (seeded)', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const { execs, got } = await started();
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(rand() * 90);
        execs[0].out(stream.subarray(at, at + n));
        at += n;
      }
      await tick();
      expectAllFrames(got);
    }
  });

  it('stops with one line when the stream is not pcap', async () => {
    const { s, execs } = await started();
    execs[0].out(Buffer.from('this is not a pcap stream at all'));
    const end = await s.ended;
    expect(end).toMatchObject({ failed: true });
    expect(end.reason).toMatch(/^lb:eth0: not a pcap file/);
    expect(end.reason).not.toContain('\n');
    expect(execs[0].stdinClosed).toBe(true);
    expect(execs[0].running).toBe(false);
  });
});

describe('CaptureSession: start and stop', () => {
  it('does not resolve start before tcpdump says it listens', async () => {
    const { s, execs } = session();
    let done = false;
    const p = s.start().then(() => (done = true));
    await tick();
    execs[0].err(`${PID_TAG} 9\ntcpdump: listen`);
    await tick();
    expect(done).toBe(false);
    execs[0].err('ing on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n');
    await p;
    expect(s.pid).toBe(9);
  });

  it('fails start with tcpdump\'s own message when it exits (a bad filter)', async () => {
    const { s, execs } = session({ filter: 'tcp port x' });
    const p = s.start();
    await tick();
    expect(execs[0].filter).toBe('tcp port x');
    execs[0].err(`${PID_TAG} 9\ntcpdump: unknown port 'x'\n`);
    execs[0].exit(1);
    await expect(p).rejects.toThrow(/^tcpdump: unknown port 'x'$/);
    expect((await s.ended).failed).toBe(true);
  });

  it('gives up on a tcpdump that never listens, and kills it', async () => {
    const { s, execs } = session({ startTimeoutMs: 100, stopGraceMs: 50 });
    const p = s.start();
    await tick();
    execs[0].err(`${PID_TAG} 77\n`);
    await expect(p).rejects.toThrow(/did not start within 0.1 s/);
    expect(execs[0].stdinClosed).toBe(true);
    expect(execs[0].running).toBe(false);
  });

  it('stop closes stdin, sends TERM to the pid and resolves once the process is gone', async () => {
    const { s, execs } = await started();
    execs[0].onKill = (how) => {
      if (how === 'TERM') setTimeout(() => execs[0].exit(0), 20);
    };
    await s.stop('stopped');
    expect(execs[0].stdinClosed).toBe(true);
    expect(execs[0].signals).toEqual([{ pid: 42, sig: 'TERM' }]);
    expect(execs[0].running).toBe(false);
    expect(await s.ended).toMatchObject({ reason: 'stopped', failed: false });
    await s.stop('again'); // idempotent
    expect(execs[0].signals).toHaveLength(1);
  });

  it('stop escalates to KILL, then drops the connection of a process that will not die', async () => {
    const { s, execs } = await started({ stopGraceMs: 30 });
    execs[0].onKill = () => undefined; // deaf to everything
    await s.stop('stopped');
    expect(execs[0].signals.map((x) => x.sig)).toEqual(['TERM', 'KILL']);
    expect(execs[0].destroyed).toBe(true);
    expect(s.settled).toBe(true);
  });

  it('ends on its own when the node goes away (the exec ends without an exit code)', async () => {
    const { s, execs } = await started();
    execs[0].exit(null);
    expect(await s.ended).toEqual({ reason: 'lb:eth0: the node went away', failed: false });
  });

  it('keeps the records still in the pipe when the process exits', async () => {
    const { s, execs, got } = await started();
    execs[0].out(stream);
    execs[0].err('16 packets captured\n16 packets received by filter\n3 packets dropped by kernel\n');
    execs[0].exit(0);
    const end = await s.ended;
    expectAllFrames(got);
    expect(end.kernelDrops).toBe(3);
  });
});
