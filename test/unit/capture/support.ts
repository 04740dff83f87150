// Shared checks for the capture tests: every field's bytes really hold its
// value (an independent re-read of the frame at the field's offset/length),
// and field lookups by name and occurrence.
import { expect } from 'vitest';
import type { CaptureField, DecodedPacket } from '../../../electron/api';
import { CAPTURE_FIELDS, CAPTURE_PROTOCOLS } from '../../../electron/engine/capture/display-filter';

export { rec } from '../../support/capture-frames';

// How a masked / scaled field's value comes from its big-endian bytes.
const DERIVED: Record<string, (x: number) => number | boolean> = {
  'ip.version': (x) => x >> 4,
  'ip.hdr_len': (x) => (x & 15) * 4,
  'ip.dsfield.dscp': (x) => x >> 2,
  'ip.dsfield.ecn': (x) => x & 3,
  'ip.flags': (x) => x >> 5,
  'ip.flags.rb': (x) => (x & 0x80) !== 0,
  'ip.flags.df': (x) => (x & 0x40) !== 0,
  'ip.flags.mf': (x) => (x & 0x20) !== 0,
  'ip.frag_offset': (x) => x & 0x1fff,
  'tcp.hdr_len': (x) => (x >> 4) * 4,
  'tcp.flags': (x) => x & 0x1ff,
  'tcp.flags.res': (x) => (x & 0x0e) !== 0,
  'tcp.flags.ae': (x) => (x & 0x01) !== 0,
  'tcp.flags.cwr': (x) => (x & 0x80) !== 0,
  'tcp.flags.ece': (x) => (x & 0x40) !== 0,
  'tcp.flags.urg': (x) => (x & 0x20) !== 0,
  'tcp.flags.ack': (x) => (x & 0x10) !== 0,
  'tcp.flags.push': (x) => (x & 0x08) !== 0,
  'tcp.flags.reset': (x) => (x & 0x04) !== 0,
  'tcp.flags.syn': (x) => (x & 0x02) !== 0,
  'tcp.flags.fin': (x) => (x & 0x01) !== 0,
  'tcp.options.wscale.multiplier': (x) => 2 ** x,
  'vlan.priority': (x) => x >> 13,
  'vlan.dei': (x) => (x & 0x1000) !== 0,
  'vlan.id': (x) => x & 0xfff,
  'ieee8021ad.priority': (x) => x >> 5,
  'ieee8021ad.dei': (x) => (x & 0x10) !== 0,
  'ieee8021ad.id': (x) => x & 0xfff,
  'vxlan.flag_g': (x) => (x & 0x8000) !== 0,
  'vxlan.flag_i': (x) => (x & 0x0800) !== 0,
  'vxlan.flag_d': (x) => (x & 0x0040) !== 0,
  'vxlan.flag_a': (x) => (x & 0x0008) !== 0,
  'vxlan.flags_reserved': (x) => x & 0x77b7,
};
// fields whose bytes are a whole header line or option, not the value itself
const TEXT_IN_LINE = /^http\.(?!request\.(method|uri|version)$|response\.(version|phrase)$)/;
// relative numbers (need the stream) and computed values
const NOT_FROM_BYTES = new Set(['tcp.seq', 'tcp.ack', 'tcp.options.sack_le', 'tcp.options.sack_re', 'http.response.code', 'http.content_length']);

/** Every field of `p` lies inside the captured bytes, and its bytes hold its value. */
export function checkFieldBytes(p: DecodedPacket, data: Buffer): void {
  for (const l of p.layers) {
    expect(CAPTURE_PROTOCOLS, `layer ${l.name}`).toContain(l.name);
    expect(l.offset).toBeGreaterThanOrEqual(0);
    expect(l.offset + l.length, `layer ${l.name} range`).toBeLessThanOrEqual(data.length);
    for (const f of l.fields) checkField(f, data);
  }
}

function checkField(f: CaptureField, data: Buffer): void {
  const def = CAPTURE_FIELDS[f.name];
  expect(def, `unknown field ${f.name}`).toBeDefined();
  expect(f.offset, f.name).toBeGreaterThanOrEqual(0);
  expect(f.length, f.name).toBeGreaterThanOrEqual(0);
  expect(f.offset + f.length, `${f.name} range`).toBeLessThanOrEqual(data.length);
  expect(typeof f.display, f.name).toBe('string');
  if (f.length === 0 || NOT_FROM_BYTES.has(f.name)) return;
  const bytes = data.subarray(f.offset, f.offset + f.length);
  const kind = def[0];
  const at = `${f.name} @${f.offset}+${f.length}`;
  if (kind === 'uint' || kind === 'bool') {
    const x = f.length <= 4 ? bytes.readUIntBE(0, f.length) : NaN;
    const want = DERIVED[f.name] ? DERIVED[f.name](x) : kind === 'bool' ? x !== 0 : x;
    expect(f.value, at).toBe(want);
  } else if (kind === 'ipv4') {
    expect(f.value, at).toBe([...bytes].join('.'));
  } else if (kind === 'mac') {
    expect(f.value, at).toBe([...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':'));
  } else if (kind === 'bytes') {
    expect(f.value, at).toBe(bytes.toString('hex'));
  } else if (kind === 'string') {
    const text = bytes.toString('latin1');
    if (TEXT_IN_LINE.test(f.name)) expect(text, at).toContain(String(f.value));
    else expect(f.value, at).toBe(text);
  }
}

/** Assert fields by [name, value, offset, length]; a name listed twice means its 1st and 2nd occurrence. */
export function expectFields(p: DecodedPacket, rows: [string, string | number | boolean, number, number][]): void {
  const seen = new Map<string, number>();
  for (const [name, value, offset, length] of rows) {
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    const all = p.layers.flatMap((l) => l.fields).filter((f) => f.name === name);
    const f = all[k];
    expect(f, `${name} #${k + 1} missing`).toBeDefined();
    expect({ name, value: f.value, offset: f.offset, length: f.length }).toEqual({ name, value, offset, length });
  }
}

export const layerNames = (p: DecodedPacket): string[] => p.layers.map((l) => l.name);
export const fieldNames = (p: DecodedPacket, layer: string): string[] => p.layers.filter((l) => l.name === layer).flatMap((l) => l.fields.map((f) => f.name));
