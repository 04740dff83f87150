// `lblab capture LAB NODE[:IFACE[,IFACE...]]...`: packets as tcpdump-like
// lines, NDJSON (--json) or a pcap file (--write), until --count,
// --duration or Ctrl-C; the tcpdumps in the nodes are gone before it exits.
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { LabService, TappedPacket } from '../api/host';
import { packetJson, packetLine, parseTargets } from './capture-format';
import { UsageError } from './fail';

export interface CaptureCliOptions {
  filter?: string;
  count?: number;
  duration?: number;
  snaplen?: number;
  json?: boolean;
  write?: string;
}

/** Packets the CLI keeps in memory: it streams them out, the ring only serves decoding. */
const CLI_RING = 1000;

export async function runCapture(
  engine: Pick<LabService, 'tapCapture' | 'stopCapture'>,
  lab: string,
  targetArgs: string[],
  o: CaptureCliOptions,
  io: { stdout: Writable; stderr: Writable } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let targets;
  try {
    targets = parseTargets(targetArgs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let file: number | undefined;
  if (o.write) {
    try {
      file = fs.openSync(o.write, 'w');
    } catch (e) {
      throw new Error(`cannot write ${o.write}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const print = o.json || !o.write;
  let written = 0;
  let id: string | undefined;
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  let outputClosed = false;
  let finish!: (reason: string) => void;
  const ended = new Promise<string>((r) => (finish = r));

  const stop = () => {
    if (id) void engine.stopCapture(id).catch(() => undefined);
  };
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => () => {
    interrupted ??= sig;
    stop();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  // `lblab capture ... | head`: the reader went away; stop quietly
  const onOutError = () => {
    outputClosed = true;
    stop();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  io.stdout.on('error', onOutError);

  const onPacket = (p: TappedPacket) => {
    written++;
    if (file !== undefined) fs.writeSync(file, p.record);
    if (print && !outputClosed) io.stdout.write(`${o.json ? packetJson(p) : packetLine(p)}\n`);
  };

  try {
    const started = await engine
      .tapCapture(lab, targets, { filter: o.filter, count: o.count, duration: o.duration, snaplen: o.snaplen, ringSize: CLI_RING }, { onPacket, onEnd: (reason) => finish(reason) })
      .catch((e: unknown) => {
        if (o.write) fs.rmSync(o.write, { force: true }); // nothing was captured: leave no empty file
        throw e;
      });
    id = started.id;
    // packets come on the capture's first tick, after this: the header goes first
    if (file !== undefined) fs.writeSync(file, started.pcapHeader);
    const names = started.interfaces.map((i) => `${i.node}:${i.iface}`).join(', ');
    io.stderr.write(`lblab: capturing on ${names}${o.filter ? ` (filter: ${o.filter})` : ''}; Ctrl-C stops\n`);
    if (o.write && started.interfaces.length > 1) {
      io.stderr.write(`lblab: ${o.write} gets the packets of ${names} in one Ethernet pcap (pcap has no interface field; --json names each packet's)\n`);
    }
    if (interrupted || outputClosed) stop();
    const ending = await ended;
    const reason = interrupted ? 'interrupted' : outputClosed ? 'output closed' : ending;
    io.stderr.write(`lblab: ${written} packet${written === 1 ? '' : 's'} captured${o.write ? `, written to ${o.write}` : ''} (${reason})\n`);
    if (interrupted) return interrupted === 'SIGINT' ? 130 : 143;
    if (outputClosed || /^(count|duration) reached/.test(reason)) return 0;
    throw new Error(`capture ended: ${reason}`);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    io.stdout.off('error', onOutError);
    if (file !== undefined) fs.closeSync(file);
  }
}
