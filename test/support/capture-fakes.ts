// Stand-ins for a tcpdump running in a node, for the capture unit tests and
// the development fake API: a CaptureExec the test drives by hand (bytes
// pushed at any split, exit when told), a starter that plays tcpdump
// (pid, "listening", a pcap stream of an HTTP exchange, a filter error), and
// real Ethernet/IPv4/TCP frames to fill it with.
import { PassThrough } from 'node:stream';
import type { CaptureExec, ExecStarter } from '../../electron/engine/capture/exec-stream';
import { pcapFileHeader, pcapRecordBytes } from '../../electron/engine/capture/pcap-writer';
import { PID_TAG } from '../../electron/engine/capture/tcpdump-command';

// ------------------------------------------------------------------ frames
const mac = (s: string) => Buffer.from(s.split(':').map((h) => parseInt(h, 16)));
const ip4 = (s: string) => Buffer.from(s.split('.').map(Number));

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

export interface TcpFrame {
  srcMac?: string;
  dstMac?: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP flags byte: SYN 0x02, ACK 0x10, PSH 0x08, FIN 0x01 */
  flags: number;
  seq?: number;
  ack?: number;
  payload?: string;
  id?: number;
}

/** An Ethernet + IPv4 + TCP frame with valid IP and TCP checksums. */
export function tcpFrame(f: TcpFrame): Buffer {
  const payload = Buffer.from(f.payload ?? '');
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(f.sport, 0);
  tcp.writeUInt16BE(f.dport, 2);
  tcp.writeUInt32BE((f.seq ?? 1000) >>> 0, 4);
  tcp.writeUInt32BE((f.ack ?? 0) >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = f.flags;
  tcp.writeUInt16BE(64240, 14);
  payload.copy(tcp, 20);
  const pseudo = Buffer.concat([ip4(f.src), ip4(f.dst), Buffer.from([0, 6, tcp.length >> 8, tcp.length & 0xff]), tcp]);
  tcp.writeUInt16BE(checksum(pseudo), 16);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + tcp.length, 2);
  ip.writeUInt16BE(f.id ?? 1, 4);
  ip[6] = 0x40; // DF
  ip[8] = 64;
  ip[9] = 6;
  ip4(f.src).copy(ip, 12);
  ip4(f.dst).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const eth = Buffer.concat([mac(f.dstMac ?? '02:42:c6:12:00:64'), mac(f.srcMac ?? '02:42:c6:12:00:0a'), Buffer.from([0x08, 0x00])]);
  return Buffer.concat([eth, ip, tcp]);
}

/** A pcap record (16-byte header + frame) at `tsUs` microseconds since the epoch. */
export function pcapRecord(frame: Buffer, tsUs: number): Buffer {
  return pcapRecordBytes({ sec: Math.floor(tsUs / 1e6), nsec: (tsUs % 1e6) * 1000, len: frame.length, data: frame });
}

export const pcapHeader = () => pcapFileHeader();

/** The frames of one HTTP GET, client → VIP and back: SYN, SYN-ACK, ACK, GET, response, FIN... */
export function httpExchange(client: string, vip: string, sport: number): Buffer[] {
  const c = { src: client, dst: vip, sport, dport: 80 };
  const s = { src: vip, dst: client, sport: 80, dport: sport };
  const req = 'GET / HTTP/1.1\r\nHost: lab\r\n\r\n';
  const res = 'HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\nhello from web1';
  return [
    tcpFrame({ ...c, flags: 0x02, seq: 100 }),
    tcpFrame({ ...s, flags: 0x12, seq: 500, ack: 101 }),
    tcpFrame({ ...c, flags: 0x10, seq: 101, ack: 501 }),
    tcpFrame({ ...c, flags: 0x18, seq: 101, ack: 501, payload: req }),
    tcpFrame({ ...s, flags: 0x18, seq: 501, ack: 101 + req.length, payload: res }),
    tcpFrame({ ...c, flags: 0x11, seq: 101 + req.length, ack: 501 + res.length }),
    tcpFrame({ ...s, flags: 0x11, seq: 501 + res.length, ack: 102 + req.length }),
    tcpFrame({ ...c, flags: 0x10, seq: 102 + req.length, ack: 502 + res.length }),
  ];
}

// ------------------------------------------------------------------ exec
/** A CaptureExec driven by hand. */
export class FakeExec implements CaptureExec {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<number | null>;
  readonly signals: { pid: number; sig: string }[] = [];
  stdinClosed = false;
  destroyed = false;
  running = true;
  private resolveExit!: (code: number | null) => void;
  /** called on closeStdin and on TERM/KILL of the pid: by default the process exits 0 */
  onKill: (how: string) => void = () => this.exit(0);

  constructor(
    readonly container: string,
    readonly argv: string[],
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  out(b: Buffer): void {
    if (this.running) this.stdout.write(b);
  }
  err(s: string): void {
    if (this.running) this.stderr.write(s);
  }
  exit(code: number | null): void {
    if (!this.running) return;
    this.running = false;
    this.stdout.end();
    this.stderr.end();
    this.resolveExit(code);
  }
  closeStdin(): void {
    this.stdinClosed = true;
    this.onKill('stdin');
  }
  async signal(pid: number, sig: 'TERM' | 'KILL'): Promise<void> {
    this.signals.push({ pid, sig });
    if (this.running) this.onKill(sig);
  }
  destroy(): void {
    this.destroyed = true;
  }

  /** The interface (-i) and the filter (after --) of the tcpdump command line. */
  get iface(): string {
    return this.argv[this.argv.indexOf('-i') + 1];
  }
  get filter(): string | undefined {
    const i = this.argv.indexOf('--');
    return i >= 0 ? this.argv[i + 1] : undefined;
  }
}

export interface PlayOptions {
  /** ms between packets (default 100) */
  everyMs?: number;
  client?: string;
  vip?: string;
}

/**
 * A starter that plays tcpdump: prints a pid and "listening", then streams
 * HTTP exchanges as pcap until killed; a filter containing "port x" or
 * "syntax" fails like tcpdump does. `execs` lists every process started.
 */
export function playingStarter(opts: PlayOptions = {}): ExecStarter & { execs: FakeExec[] } {
  const execs: FakeExec[] = [];
  let pid = 100;
  const starter = async (container: string, argv: string[]) => {
    const x = new FakeExec(container, argv);
    execs.push(x);
    const myPid = ++pid;
    setImmediate(() => {
      x.err(`${PID_TAG} ${myPid}\n`);
      if (x.filter && /port x|syntax/.test(x.filter)) {
        x.err(`tcpdump: ${/port x/.test(x.filter) ? "unknown port 'x'" : 'syntax error in filter expression'}\n`);
        x.exit(1);
        return;
      }
      x.err(`tcpdump: listening on ${x.iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`);
      x.out(pcapHeader());
      let sport = 40000;
      let queue: Buffer[] = [];
      const timer = setInterval(() => {
        if (!queue.length) queue = httpExchange(opts.client ?? '198.18.0.10', opts.vip ?? '198.18.0.100', sport++);
        x.out(pcapRecord(queue.shift()!, Date.now() * 1000));
      }, opts.everyMs ?? 100);
      x.onKill = () => {
        clearInterval(timer);
        x.err('12 packets captured\n12 packets received by filter\n0 packets dropped by kernel\n');
        x.exit(0);
      };
    });
    return x;
  };
  return Object.assign(starter, { execs });
}
