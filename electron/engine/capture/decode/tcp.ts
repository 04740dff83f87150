// TCP: ports, raw (and, with stream tracking, relative) sequence numbers,
// each flag, options; a payload that starts like HTTP goes to the HTTP decoder.
import type { DecodeContext } from './context';
import { hex4, hexBytes, setStr, u16, u32 } from './format';
import { decodeHttp } from './http';

// Wireshark's flag words and tcpdump's letters, low bit first
const WORDS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];
const FLAG_FIELDS = ['tcp.flags.fin', 'tcp.flags.syn', 'tcp.flags.reset', 'tcp.flags.push', 'tcp.flags.ack', 'tcp.flags.urg', 'tcp.flags.ece', 'tcp.flags.cwr'];
const LETTERS: [number, string][] = [[1, 'F'], [2, 'S'], [4, 'R'], [8, 'P'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W'], [0x10, '.'], [0x100, 'e']];
const FLAG_WORDS: string[] = [];
const FLAG_DISPLAY: string[] = [];
const DUMP_FLAGS: string[] = [];
for (let v = 0; v < 0x200; v++) {
  const words = WORDS.filter((_, i) => v & (1 << i));
  FLAG_WORDS[v] = words.length ? words.join(', ') : '<None>';
  FLAG_DISPLAY[v] = `0x${v.toString(16).padStart(3, '0')} (${FLAG_WORDS[v]})`;
  DUMP_FLAGS[v] = LETTERS.filter(([bit]) => v & bit).map(([, ch]) => ch).join('') || 'none';
}

/** The flag word list Wireshark shows for tcp.flags, e.g. `SYN, ACK`. */
export const tcpFlagWords = (flags: number): string => FLAG_WORDS[flags & 0x1ff];

/** Options between off and end; SACK edges relative to `sackBase` (0: raw). Returns tcpdump's option list text. */
function decodeOptions(ctx: DecodeContext, off: number, end: number, sackBase: number): string {
  const b = ctx.buf;
  const tree = ctx.tree;
  if (tree) ctx.bytes('tcp.options', off, end - off);
  const text: string[] = [];
  let p = off;
  while (p < end) {
    const kind = b[p];
    if (kind === 0) {
      if (tree) {
        ctx.f('tcp.options.eol', '00', 'End of Option List (EOL)', p, 1);
        ctx.f('tcp.option_kind', 0, 'End of Option List (0)', p, 1);
      }
      text.push('eol');
      break;
    }
    if (kind === 1) {
      if (tree) {
        ctx.f('tcp.options.nop', '01', 'No-Operation (NOP)', p, 1);
        ctx.f('tcp.option_kind', 1, 'No-Operation (1)', p, 1);
      }
      text.push('nop');
      p++;
      continue;
    }
    if (p + 1 >= end) {
      ctx.fail(`TCP option ${kind} has no length byte`);
      break;
    }
    const len = b[p + 1];
    if (len < 2 || p + len > end) {
      if (tree) {
        ctx.f('tcp.option_kind', kind, String(kind), p, 1);
        ctx.f('tcp.option_len', len, String(len), p + 1, 1);
      }
      ctx.fail(`bad TCP option length ${len} for option ${kind}`);
      break;
    }
    if (kind === 2 && len === 4) {
      const mss = u16(b, p + 2);
      if (tree) {
        ctx.f('tcp.options.mss', hexBytes(b, p, 4), `Maximum segment size: ${mss} bytes`, p, 4);
        ctx.f('tcp.option_kind', 2, 'Maximum Segment Size (2)', p, 1);
        ctx.f('tcp.option_len', 4, '4', p + 1, 1);
        ctx.f('tcp.options.mss_val', mss, String(mss), p + 2, 2);
      }
      text.push(`mss ${mss}`);
    } else if (kind === 3 && len === 3) {
      const shift = b[p + 2];
      if (tree) {
        ctx.f('tcp.options.wscale', hexBytes(b, p, 3), `Window scale: ${shift} (multiply by ${2 ** shift})`, p, 3);
        ctx.f('tcp.option_kind', 3, 'Window Scale (3)', p, 1);
        ctx.f('tcp.option_len', 3, '3', p + 1, 1);
        ctx.f('tcp.options.wscale.shift', shift, String(shift), p + 2, 1);
        ctx.f('tcp.options.wscale.multiplier', 2 ** shift, String(2 ** shift), p + 2, 1);
      }
      text.push(`wscale ${shift}`);
    } else if (kind === 4 && len === 2) {
      if (tree) {
        ctx.f('tcp.options.sack_perm', hexBytes(b, p, 2), 'SACK permitted', p, 2);
        ctx.f('tcp.option_kind', 4, 'SACK Permitted (4)', p, 1);
        ctx.f('tcp.option_len', 2, '2', p + 1, 1);
      }
      text.push('sackOK');
    } else if (kind === 5 && len >= 10 && (len - 2) % 8 === 0) {
      if (tree) {
        ctx.f('tcp.options.sack', hexBytes(b, p, len), 'SACK', p, len);
        ctx.f('tcp.option_kind', 5, 'SACK (5)', p, 1);
        ctx.f('tcp.option_len', len, String(len), p + 1, 1);
      }
      const blocks: string[] = [];
      for (let q = p + 2; q < p + len; q += 8) {
        const le = (u32(b, q) - sackBase) >>> 0;
        const re = (u32(b, q + 4) - sackBase) >>> 0;
        if (tree) ctx.f('tcp.options.sack_le', le, String(le), q, 4);
        if (tree) ctx.f('tcp.options.sack_re', re, String(re), q + 4, 4);
        blocks.push(`{${le}:${re}}`);
      }
      text.push(`sack ${blocks.length} ${blocks.join('')}`);
    } else if (kind === 8 && len === 10) {
      const tsval = u32(b, p + 2);
      const tsecr = u32(b, p + 6);
      if (tree) {
        ctx.f('tcp.options.timestamp', hexBytes(b, p, 10), `Timestamps: TSval ${tsval}, TSecr ${tsecr}`, p, 10);
        ctx.f('tcp.option_kind', 8, 'Time Stamp Option (8)', p, 1);
        ctx.f('tcp.option_len', 10, '10', p + 1, 1);
        ctx.f('tcp.options.timestamp.tsval', tsval, String(tsval), p + 2, 4);
        ctx.f('tcp.options.timestamp.tsecr', tsecr, String(tsecr), p + 6, 4);
      }
      text.push(`TS val ${tsval} ecr ${tsecr}`);
    } else {
      if (tree) {
        ctx.f('tcp.option_kind', kind, String(kind), p, 1);
        ctx.f('tcp.option_len', len, String(len), p + 1, 1);
      }
      text.push(`opt-${kind}`);
    }
    p += len;
  }
  return text.join(',');
}

/** TCP at `off`; `wireEnd` is the end of the IP payload. `fragment`: the IP datagram is a first fragment. */
export function decodeTcp(ctx: DecodeContext, off: number, wireEnd: number, fragment: boolean): void {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const quoted = ctx.quoted;
  const doff = b[off + 12] >> 4;
  const hlen = doff * 4;
  ctx.layer('tcp', off, hlen >= 20 ? hlen : 20);
  const tree = ctx.tree;
  const sport = u16(b, off);
  const dport = u16(b, off + 2);
  const segLen = wireEnd - off - hlen;
  const seq = u32(b, off + 4);
  const ack = u32(b, off + 8);
  const flags = u16(b, off + 12) & 0x1ff;
  const win = u16(b, off + 14);
  const urg = u16(b, off + 18);
  const complete = avail >= 20 && hlen >= 20;
  const known = ctx.streams && complete ? ctx.streams.lookup(ctx.ipSrc, sport, ctx.ipDst, dport, ctx.frame) : undefined;
  // inside an ICMP error: the stream, but raw numbers (as Wireshark)
  const rel = quoted ? undefined : known;
  if (tree) {
    ctx.f('tcp.srcport', sport, String(sport), off, 2);
    ctx.f('tcp.dstport', dport, String(dport), off + 2, 2);
    if (known) ctx.f('tcp.stream', known.stream, String(known.stream), off, 0);
    if (complete && !quoted && segLen >= 0) ctx.f('tcp.len', segLen, String(segLen), off, 0);
    if (rel?.seqBase !== undefined) {
      const r = (seq - rel.seqBase) >>> 0;
      ctx.f('tcp.seq', r, `${r} (relative sequence number)`, off + 4, 4);
    }
    if (quoted) ctx.f('tcp.seq', seq, String(seq), off + 4, 4); // Wireshark: no relative numbers inside an ICMP error
    // (and the raw one too inside an ICMPv6 error, not inside an ICMP one)
    if (!quoted || ctx.ipSrc.includes(':')) ctx.f('tcp.seq_raw', seq, String(seq), off + 4, 4);
    if (rel) {
      // as Wireshark: relative only with ACK set (and the other side's base known)
      const relative = (flags & 0x10) !== 0 && rel.ackBase !== undefined;
      const r = relative ? (ack - rel.ackBase!) >>> 0 : ack;
      ctx.f('tcp.ack', r, relative ? `${r} (relative ack number)` : String(r), off + 8, 4);
    } else if (quoted) {
      ctx.f('tcp.ack', ack, String(ack), off + 8, 4);
    }
    ctx.f('tcp.ack_raw', ack, String(ack), off + 8, 4);
    ctx.f('tcp.hdr_len', hlen, `${hlen} bytes (${doff})`, off + 12, 1);
    ctx.f('tcp.flags', flags, FLAG_DISPLAY[flags], off + 12, 2);
    const res = (b[off + 12] & 0x0e) !== 0;
    ctx.f('tcp.flags.res', res, setStr(res), off + 12, 1);
    ctx.f('tcp.flags.ae', (flags & 0x100) !== 0, setStr((flags & 0x100) !== 0), off + 12, 1);
    for (let bit = 0x80, i = 7; i >= 0; bit >>= 1, i--) ctx.f(FLAG_FIELDS[i], (flags & bit) !== 0, setStr((flags & bit) !== 0), off + 13, 1);
    ctx.f('tcp.window_size_value', win, String(win), off + 14, 2);
    const sum = u16(b, off + 16);
    ctx.f('tcp.checksum', sum, hex4(sum), off + 16, 2);
    ctx.f('tcp.urgent_pointer', urg, String(urg), off + 18, 2);
  }
  if (quoted) {
    // an ICMP error quotes at least 8 bytes (ports and sequence number), Linux up to 576: show what is there
    if (tree && complete && avail >= hlen) {
      if (hlen > 20) decodeOptions(ctx, off + 20, off + hlen, 0);
      const capLen = Math.min(wireEnd, ctx.end) - off - hlen;
      if (capLen > 0) ctx.bytes('tcp.payload', off + hlen, capLen);
    }
    return;
  }
  if (avail < 20) {
    ctx.fail(`truncated TCP header: ${Math.max(0, avail)} of 20 bytes`);
    ctx.notes.text = 'tcp, truncated';
    return;
  }
  if (hlen < 20) {
    ctx.fail(`bad TCP header length ${hlen} (minimum 20)`);
    return;
  }
  const br = ctx.brief;
  br.proto = 'tcp';
  br.sport = sport;
  br.dport = dport;
  br.tcpFlags = flags & 0xff;
  br.seq = seq;
  br.ack = ack;
  br.payloadLength = Math.max(0, segLen);
  ctx.notes.ports = [sport, dport];
  if (avail < hlen) {
    ctx.fail(`truncated TCP header: ${avail} of ${hlen} bytes`);
    ctx.notes.text = `Flags [${DUMP_FLAGS[flags]}], tcp truncated`;
    return;
  }
  const opts = hlen > 20 ? decodeOptions(ctx, off + 20, off + hlen, rel?.ackBase ?? 0) : '';
  if (segLen < 0 && !fragment) ctx.fail(`TCP header length ${hlen} exceeds the ${wireEnd - off} bytes of the IP payload`);

  let text = `Flags [${DUMP_FLAGS[flags]}], seq ${seq}`;
  if (segLen > 0) text += `:${(seq + segLen) >>> 0}`;
  if (flags & 0x10) text += `, ack ${ack}`;
  text += `, win ${win}`;
  if (flags & 0x20) text += `, urg ${urg}`;
  if (opts) text += `, options [${opts}]`;
  text += `, length ${Math.max(0, segLen)}`;

  const pl = off + hlen;
  const capLen = Math.min(wireEnd, ctx.end) - pl;
  if (capLen > 0) {
    if (tree) {
      ctx.bytes('tcp.payload', pl, capLen);
    }
    const line = decodeHttp(ctx, pl, pl + capLen);
    if (line) text += `: HTTP: ${line}`;
  }
  ctx.notes.text = text;
}
