// The Captures panel's data: the packet list's rows kept compactly, the
// filtered view, the decode tree and the hex view of one packet, and the
// capture form's targets. Pure: no React, no DOM, so every rule here is
// unit-tested on plain objects.
import { CAPTURE_RING_DEFAULT, CAPTURE_RING_MAX, type CaptureOptions, type CaptureTarget, type DecodedPacket, type LabStatus, type NodeKind, type PacketSummary } from '../../electron/api';
import { i18n } from '../i18n';
import { fmtNumber } from '../i18n/format';

// ---------------------------------------------------------------- formatting
export const fmtCount = (n: number) => fmtNumber(n);

/** Seconds since the capture's first packet, as Wireshark's Time column: 0.000000 */
export function relTime(tsUs: number, t0Us: number): string {
  if (!Number.isFinite(tsUs) || !Number.isFinite(t0Us)) return '';
  return ((tsUs - t0Us) / 1e6).toFixed(6);
}

/** A class per protocol for the list's colouring (Wireshark's coloring rules, simplified). */
export function protoClass(protocol: string): string {
  const p = protocol.toLowerCase();
  return ['http', 'tcp', 'udp', 'icmp', 'arp'].includes(p) ? p : 'other';
}

// ---------------------------------------------------------------- the packet list
/** One row of the packet list as the table shows it. */
export interface PacketRow {
  index: number;
  ts: number;
  /** node:iface */
  where: string;
  src: string;
  dst: string;
  protocol: string;
  len: number;
  info: string;
}

/** Interned strings: addresses, interfaces and protocols repeat over thousands of rows. */
class Strings {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
  at(i: number): string {
    return this.list[i] ?? '';
  }
}

const CHUNK = 1024;
interface Chunk {
  have: Uint8Array;
  ts: Float64Array;
  len: Uint32Array;
  where: Uint32Array;
  src: Uint32Array;
  dst: Uint32Array;
  proto: Uint32Array;
  info: string[];
}
const newChunk = (): Chunk => ({
  have: new Uint8Array(CHUNK),
  ts: new Float64Array(CHUNK),
  len: new Uint32Array(CHUNK),
  where: new Uint32Array(CHUNK),
  src: new Uint32Array(CHUNK),
  dst: new Uint32Array(CHUNK),
  proto: new Uint32Array(CHUNK),
  info: new Array<string>(CHUNK),
});

/**
 * The summaries of one capture, by frame number, in column arrays of 1024
 * rows (no object per packet: 100 000 rows are a few MB). It mirrors the
 * engine's ring: frames first..last exist, some maybe not fetched yet (a
 * burst's older packets, a file's pages), and frames the ring let go are
 * forgotten here too.
 */
export class PacketTable {
  private chunks = new Map<number, Chunk>();
  private readonly strings = new Strings();
  /** oldest frame number still in the engine's ring */
  first = 1;
  /** newest frame number (= packets seen) */
  last = 0;
  private t0Index = Infinity;
  /** time of the oldest frame seen: the Time column's zero */
  t0 = NaN;
  /** rows held */
  held = 0;

  /** Frames first..last (how many the unfiltered list shows). */
  get count(): number {
    return Math.max(0, this.last - this.first + 1);
  }

  /** The ring's bounds after an event: `total` frames seen, the oldest `dropped` gone. */
  setBounds(total: number, dropped: number): void {
    this.last = Math.max(this.last, total);
    const first = Math.max(this.first, dropped + 1);
    if (first === this.first) return;
    this.first = first;
    for (const [k, c] of this.chunks) {
      const end = (k + 1) * CHUNK; // the chunk's last frame number
      if (end < first) {
        this.held -= c.have.reduce((a, b) => a + b, 0);
        this.chunks.delete(k);
      } else if (k * CHUNK + 1 < first) {
        for (let n = k * CHUNK + 1; n < first; n++) this.forget(c, n);
      }
    }
  }

  private forget(c: Chunk, n: number): void {
    const i = (n - 1) % CHUNK;
    if (!c.have[i]) return;
    c.have[i] = 0;
    c.info[i] = '';
    this.held--;
  }

  /** Store summaries (from events or pages); frames the ring let go are ignored. */
  put(rows: readonly PacketSummary[]): void {
    for (const s of rows) {
      if (s.index < this.first || !Number.isInteger(s.index)) continue;
      const k = Math.floor((s.index - 1) / CHUNK);
      let c = this.chunks.get(k);
      if (!c) this.chunks.set(k, (c = newChunk()));
      const i = (s.index - 1) % CHUNK;
      if (!c.have[i]) this.held++;
      c.have[i] = 1;
      c.ts[i] = s.ts;
      c.len[i] = s.len;
      c.where[i] = this.strings.id(`${s.node}:${s.iface}`);
      c.src[i] = this.strings.id(s.src);
      c.dst[i] = this.strings.id(s.dst);
      c.proto[i] = this.strings.id(s.protocol);
      c.info[i] = s.summary;
      if (s.index < this.t0Index) {
        this.t0Index = s.index;
        this.t0 = s.ts;
      }
      if (s.index > this.last) this.last = s.index;
    }
  }

  has(index: number): boolean {
    if (index < this.first || index > this.last) return false;
    return this.chunks.get(Math.floor((index - 1) / CHUNK))?.have[(index - 1) % CHUNK] === 1;
  }

  row(index: number): PacketRow | undefined {
    if (!this.has(index)) return undefined;
    const c = this.chunks.get(Math.floor((index - 1) / CHUNK))!;
    const i = (index - 1) % CHUNK;
    return {
      index,
      ts: c.ts[i],
      where: this.strings.at(c.where[i]),
      src: this.strings.at(c.src[i]),
      dst: this.strings.at(c.dst[i]),
      protocol: this.strings.at(c.proto[i]),
      len: c.len[i],
      info: c.info[i],
    };
  }

  /**
   * The frame numbers among `indices` (ascending) not held yet, as [from, count]
   * runs of at most `max`. Frames up to `gap` apart share a run: a filtered view's
   * rows are scattered, and one page with a few extra rows beats a call per row.
   */
  missing(indices: Iterable<number>, max = 2000, gap = 256): [number, number][] {
    const out: [number, number][] = [];
    for (const n of indices) {
      if (n < this.first || n > this.last || this.has(n)) continue;
      const run = out[out.length - 1];
      const end = run ? run[0] + run[1] : 0; // the frame after the run
      if (run && n >= end && n - end < gap && n - run[0] < max) run[1] = n - run[0] + 1;
      else out.push([n, 1]);
    }
    return out;
  }
}

/** The frame numbers a display filter kept, ascending; the oldest drop off as the ring lets them go. */
export class IndexList {
  private a = new Int32Array(1024);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }
  at(pos: number): number {
    return this.a[this.start + pos];
  }
  /** Append frame numbers newer than the last one held. */
  push(ns: readonly number[]): void {
    const last = this.length ? this.a[this.end - 1] : 0;
    const add = ns.filter((n) => n > last);
    if (this.end + add.length > this.a.length) {
      const live = this.a.subarray(this.start, this.end);
      const next = new Int32Array(Math.max(1024, (live.length + add.length) * 2));
      next.set(live);
      this.a = next;
      this.end -= this.start;
      this.start = 0;
    }
    for (const n of add) this.a[this.end++] = n;
  }
  /** Forget the numbers below `first`. */
  trimBefore(first: number): void {
    while (this.start < this.end && this.a[this.start] < first) this.start++;
  }
  /** The position of frame `index`, or the position where it would be (binary search). */
  positionOf(index: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.a[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }
}

/** What the list shows: every frame held, or those a filter kept. */
export interface PacketView {
  length: number;
  /** the frame number at row `pos` */
  indexAt(pos: number): number;
  /** the row of frame `index` (where it would be if the filter dropped it) */
  positionOf(index: number): number;
}
export function packetView(table: PacketTable, filtered: IndexList | null): PacketView {
  if (filtered) return { length: filtered.length, indexAt: (p) => filtered.at(p), positionOf: (i) => filtered.positionOf(i) };
  const first = table.first;
  return { length: table.count, indexAt: (p) => first + p, positionOf: (i) => Math.max(0, i - first) };
}

// ---------------------------------------------------------------- the decode tree
export interface TreeField {
  key: string;
  name: string;
  display: string;
  offset: number;
  length: number;
  /** 0 for a field of the layer, 1 for one inside it (tcp.flags.syn in tcp.flags), ... */
  depth: number;
}
export interface TreeLayer {
  key: string;
  name: string;
  /** Wireshark's line for the layer, e.g. `Internet Protocol Version 4, Src: …, Dst: …` */
  title: string;
  offset: number;
  length: number;
  fields: TreeField[];
}
/** What is selected in the tree: a layer or a field, and the bytes it covers. */
export interface TreeSelection { key: string; offset: number; length: number }

function layerTitle(p: DecodedPacket, li: number, where?: string): string {
  const l = p.layers[li];
  const f = (name: string) => l.fields.find((x) => x.name === name)?.display;
  const v = (name: string) => {
    const x = l.fields.find((y) => y.name === name);
    return x === undefined ? undefined : String(x.value);
  };
  const parts = (title: string, kv: [string, string | undefined][]) => {
    const have = kv.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
    return have.length ? `${title}, ${have.join(', ')}` : title;
  };
  switch (l.name) {
    case 'frame':
      return `Frame${p.number !== undefined ? ` ${p.number}` : ''}: ${p.len} bytes on wire, ${p.caplen} bytes captured${where ? ` on ${where}` : ''}`;
    case 'eth':
      return parts('Ethernet II', [['Src', f('eth.src')], ['Dst', f('eth.dst')]]);
    case 'sll':
      return 'Linux cooked capture';
    case 'vlan':
      return parts('802.1Q Virtual LAN', [['ID', f('vlan.id')]]);
    case 'ieee8021ad':
      return parts('IEEE 802.1ad', [['ID', f('ieee8021ad.id')]]);
    case 'arp':
      return parts('Address Resolution Protocol', [['Opcode', f('arp.opcode')]]);
    case 'ip':
      return parts('Internet Protocol Version 4', [['Src', f('ip.src')], ['Dst', f('ip.dst')]]);
    case 'tcp':
      // relative numbers when the capture follows the stream, else the raw ones; Ack only with the ACK flag
      return parts('Transmission Control Protocol', [
        ['Src Port', f('tcp.srcport')],
        ['Dst Port', f('tcp.dstport')],
        ['Seq', v('tcp.seq') ?? v('tcp.seq_raw')],
        ['Ack', v('tcp.flags.ack') === 'true' ? (v('tcp.ack') ?? v('tcp.ack_raw')) : undefined],
        ['Len', v('tcp.len')],
      ]);
    case 'udp':
      return parts('User Datagram Protocol', [['Src Port', f('udp.srcport')], ['Dst Port', f('udp.dstport')]]);
    case 'vxlan':
      return parts('Virtual eXtensible Local Area Network', [['VNI', f('vxlan.vni')]]);
    case 'icmp':
      return parts('Internet Control Message Protocol', [['Type', f('icmp.type')], ['Code', f('icmp.code')]]);
    case 'http':
      return 'Hypertext Transfer Protocol';
    case 'data':
      return `Data (${l.length} bytes)`;
    default:
      return l.name;
  }
}

/** The packet's layers and fields as a tree, fields nested under the field they refine (`tcp.flags.syn` under `tcp.flags`). */
export function decodeTree(p: DecodedPacket, where?: string): TreeLayer[] {
  return p.layers.map((l, li) => {
    const stack: string[] = [];
    const fields = l.fields.map((f, fi) => {
      while (stack.length && !f.name.startsWith(`${stack[stack.length - 1]}.`)) stack.pop();
      const depth = stack.length;
      stack.push(f.name);
      return { key: `${li}.${fi}`, name: f.name, display: f.display, offset: f.offset, length: f.length, depth };
    });
    return { key: `${li}`, name: l.name, title: layerTitle(p, li, where), offset: l.offset, length: l.length, fields };
  });
}

/** The innermost field covering byte `offset` (the shortest; the first of equals), else the innermost layer; undefined past the bytes. */
export function fieldAtByte(tree: TreeLayer[], offset: number): TreeSelection | undefined {
  let best: TreeSelection | undefined;
  for (const l of tree) {
    for (const f of l.fields) {
      if (f.length > 0 && offset >= f.offset && offset < f.offset + f.length && (!best || f.length < best.length)) best = f;
    }
  }
  if (best) return { key: best.key, offset: best.offset, length: best.length };
  let layer: TreeLayer | undefined;
  for (const l of tree) if (l.length > 0 && offset >= l.offset && offset < l.offset + l.length && (!layer || l.length <= layer.length)) layer = l;
  return layer && { key: layer.key, offset: layer.offset, length: layer.length };
}

/** The layer a tree key belongs to ('2.5' → '2'). */
export const layerKeyOf = (key: string) => key.split('.')[0];

// ---------------------------------------------------------------- the hex view
export const HEX_ROW = 16;

/** Lowercase hex (the API's `bytes`) to bytes; stops at the first pair that is not hex. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const b = parseInt(hex.substr(i * 2, 2), 16);
    if (Number.isNaN(b)) return out.subarray(0, i);
    out[i] = b;
  }
  return out;
}

export interface HexByte {
  offset: number;
  hex: string;
  ascii: string;
  /** inside the selected range */
  on: boolean;
}
export interface HexLine {
  /** the row's first offset, 4 hex digits (more for a frame over 64 KiB) */
  offset: string;
  bytes: HexByte[];
}

/** Row `row` of the hex view: offset | 16 bytes | ASCII (dots for the unprintable), marking the bytes of `sel`. */
export function hexLine(bytes: Uint8Array, row: number, sel?: { offset: number; length: number }): HexLine {
  const start = row * HEX_ROW;
  const width = bytes.length > 0xffff ? 6 : 4;
  const out: HexByte[] = [];
  for (let o = start; o < Math.min(start + HEX_ROW, bytes.length); o++) {
    const b = bytes[o];
    out.push({
      offset: o,
      hex: b.toString(16).padStart(2, '0'),
      ascii: b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.',
      on: !!sel && sel.length > 0 && o >= sel.offset && o < sel.offset + sel.length,
    });
  }
  return { offset: start.toString(16).padStart(width, '0'), bytes: out };
}
export const hexRowCount = (bytes: Uint8Array) => Math.ceil(bytes.length / HEX_ROW);

// ---------------------------------------------------------------- the capture form
/** One interface the form offers: node:iface and the lab network it is on. */
export interface IfaceChoice {
  key: string;
  node: string;
  kind: NodeKind;
  iface: string;
  network: string;
  address: string;
  running: boolean;
}

/** Every interface of the running lab's nodes, in the status's order. */
export function captureChoices(status: LabStatus | null | undefined): IfaceChoice[] {
  if (!status) return [];
  return status.nodes.flatMap((n) =>
    n.interfaces
      .filter((i) => i.name && i.name !== '?')
      .map((i) => ({ key: `${n.name}:${i.name}`, node: n.name, kind: n.kind, iface: i.name, network: i.network, address: i.address, running: n.state === 'running' })),
  );
}

/** The interfaces to tick at first: the first balancer's. */
export function defaultPicks(choices: IfaceChoice[]): string[] {
  const lb = choices.find((c) => c.kind === 'balancer' && c.running)?.node;
  return lb ? choices.filter((c) => c.node === lb).map((c) => c.key) : [];
}

/** The interface a link of the drawing is (node on network), when the lab runs it. */
export const linkChoice = (choices: IfaceChoice[], node: string, network: string) => choices.find((c) => c.node === node && c.network === network);

export interface CaptureForm {
  /** IfaceChoice keys */
  picked: string[];
  /** tcpdump syntax */
  filter: string;
  ringSize: string;
}
export const DEFAULT_RING = CAPTURE_RING_DEFAULT;
export const defaultCaptureForm = (): CaptureForm => ({ picked: [], filter: '', ringSize: String(DEFAULT_RING) });

/** The startCapture arguments the form means, or what is wrong with it (one line). */
export function buildCapture(form: CaptureForm, choices: IfaceChoice[]): { targets: CaptureTarget[]; opts: CaptureOptions } | { error: string } {
  const picked = choices.filter((c) => form.picked.includes(c.key));
  if (!picked.length) return { error: i18n.t('captures.pickIface') };
  const stopped = picked.find((c) => !c.running);
  if (stopped) return { error: i18n.t('captures.nodeNotRunning', { node: stopped.node }) };
  const ring = form.ringSize.trim().replace(/[_, ]/g, '');
  const ringSize = ring === '' ? DEFAULT_RING : /^\d+$/.test(ring) ? Number(ring) : NaN;
  if (!(ringSize >= 1 && ringSize <= CAPTURE_RING_MAX)) return { error: i18n.t('captures.ringRange', { max: fmtCount(CAPTURE_RING_MAX) }) };
  const filter = form.filter.trim();
  if ([...filter].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return { error: i18n.t('captures.noControl') };
  const opts: CaptureOptions = { ringSize };
  if (filter) opts.filter = filter;
  return { targets: picked.map((c) => ({ node: c.node, iface: c.iface })), opts };
}

// ---------------------------------------------------------------- pcap files
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
