// Random, truncated and bit-flipped frames never make the decoder throw, and
// whatever it decodes stays inside the captured bytes with known names.
// Deterministic: a seeded PRNG.
import { describe, expect, it } from 'vitest';
import type { DecodedPacket } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { CAPTURE_FIELDS, CAPTURE_PROTOCOLS } from '../../../electron/engine/capture/display-filter';
import { LINKTYPE } from '../../../electron/engine/capture/pcap-reader';
import { TcpStreams } from '../../../electron/engine/capture/tcp-streams';
import { CRAFTED, CRAFTED_SLL, CRAFTED_SLL2 } from '../../support/capture-frames';
import { rec } from './support';

/** mulberry32: small, seeded, good enough to spread bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINKTYPES = [LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.RAW];
const BASES: [Buffer, number][] = [
  ...Object.values(CRAFTED).map((b): [Buffer, number] => [b, LINKTYPE.ETHERNET]),
  ...Object.values(CRAFTED_SLL).map((b): [Buffer, number] => [b, LINKTYPE.LINUX_SLL]),
  ...Object.values(CRAFTED_SLL2).map((b): [Buffer, number] => [b, LINKTYPE.LINUX_SLL2]),
];

interface Tally { frames: number; errors: number; problems: string[] }

/** Structural checks that hold for every frame (no expect() per field: 100k+ frames). */
function check(p: DecodedPacket, data: Buffer, t: Tally, what: string): void {
  t.frames++;
  if (p.error) t.errors++;
  const bad = (m: string) => t.problems.length < 20 && t.problems.push(`${what}: ${m}`);
  if (p.error?.startsWith('decoder failed')) bad(p.error);
  if (typeof p.summary !== 'string' || !p.summary) bad('no summary');
  if (p.caplen !== data.length) bad('caplen');
  for (const l of p.layers) {
    if (!CAPTURE_PROTOCOLS.includes(l.name)) bad(`layer ${l.name}`);
    if (l.offset < 0 || l.length < 0 || l.offset + l.length > data.length) bad(`layer ${l.name} @${l.offset}+${l.length}`);
    for (const f of l.fields) {
      if (!CAPTURE_FIELDS[f.name]) bad(`field ${f.name}`);
      if (!(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= data.length)) bad(`${f.name} @${f.offset}+${f.length}`);
      const v = f.value;
      if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && typeof v !== 'boolean') bad(`${f.name} value ${String(v)}`);
      if (typeof f.display !== 'string' || f.display.includes('undefined') || f.display.includes('NaN')) bad(`${f.name} display ${f.display}`);
    }
  }
  JSON.stringify(p); // serialisable
}

function decodeBoth(data: Buffer, linktype: number, t: Tally, what: string, len = data.length, streams?: TcpStreams): void {
  check(decodePacket(rec(data, len), { linktype, streams, number: t.frames + 1 }), data, t, what);
  check(decodePacket(rec(data, len), { linktype, fields: false }), data, t, `${what} (fast)`);
}

describe('robustness: nothing throws, everything stays in bounds', () => {
  it('every prefix of every crafted frame, with the wire length kept and cut', () => {
    const t: Tally = { frames: 0, errors: 0, problems: [] };
    for (const [frame, linktype] of BASES) {
      for (let n = 0; n <= frame.length; n++) {
        decodeBoth(frame.subarray(0, n), linktype, t, `prefix ${n}`, n);
        decodeBoth(frame.subarray(0, n), linktype, t, `snap ${n}`, frame.length);
      }
    }
    expect(t.problems).toEqual([]);
    expect(t.frames).toBeGreaterThan(18_000); // with the 40 000 and 50 000 below: over 100 000 frames, each decoded twice
    expect(t.errors).toBeGreaterThan(1000); // cut headers do report
  });

  it('bit flips and byte changes in crafted frames', () => {
    const rnd = prng(0x1b1ab);
    const t: Tally = { frames: 0, errors: 0, problems: [] };
    const streams = new TcpStreams();
    for (let i = 0; i < 20_000; i++) {
      const [base, linktype] = BASES[i % BASES.length];
      const b = Buffer.from(base);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(rnd() * b.length);
        if (rnd() < 0.5) b[at] ^= 1 << Math.floor(rnd() * 8);
        else b[at] = Math.floor(rnd() * 256);
      }
      const cut = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      decodeBoth(cut, linktype, t, `flip #${i}`, cut.length, streams);
    }
    expect(t.problems).toEqual([]);
    expect(t.frames).toBe(40_000);
  });

  it('random bytes under every link type', () => {
    const rnd = prng(42);
    const t: Tally = { frames: 0, errors: 0, problems: [] };
    for (let i = 0; i < 25_000; i++) {
      const len = Math.floor(rnd() * (rnd() < 0.8 ? 120 : 1600));
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rnd() * 256);
      // steer some toward deeper layers: an IPv4 ethertype / version nibble
      if (len > 14 && rnd() < 0.5) {
        b.writeUInt16BE(0x0800, 12);
        b[14] = 0x45;
      }
      decodeBoth(b, LINKTYPES[i % LINKTYPES.length], t, `random #${i}`, rnd() < 0.9 ? len : len + 100);
    }
    expect(t.problems).toEqual([]);
    expect(t.frames).toBe(50_000);
  });
});
