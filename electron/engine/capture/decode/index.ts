// decodePacket: one captured frame -> DecodedPacket (layers of fields named
// as in Wireshark, each with its byte range; a tcpdump-like summary; a brief
// for the packet journey). Never throws: a truncated or malformed frame
// decodes as far as it can and says what was wrong in `error`.
import type { DecodedPacket } from '../../../api';
import type { PcapRecord } from '../pcap-reader';
import { LINKTYPE } from '../pcap-reader';
import { formatSummary } from '../summary';
import { DecodeContext, type FieldSelection, type TcpStreamLookup } from './context';
import { decodeData } from './data';
import { decodeEth } from './eth';
import { decodeIpv4 } from './ipv4';
import { decodeIpv6 } from './ipv6';
import { decodeSll, decodeSll2 } from './sll';

export type { FieldSelection, TcpStreamInfo, TcpStreamLookup } from './context';
export { field, fieldValues } from '../display-filter';

export interface DecodeOptions {
  /** the capture's link type (pcap header); default Ethernet */
  linktype?: number;
  /** frame number (1-based) in its capture: adds frame.number, and picks the TCP stream generation */
  number?: number;
  /** add the captured bytes as hex (for a hex view) */
  bytes?: boolean;
  /**
   * build the field tree (default true). false: the fast path for packet
   * lists and the journey — same layers, brief and summary, no fields. A
   * selection: only the fields a display filter reads.
   */
  fields?: boolean | FieldSelection;
  /** relative TCP sequence numbers and tcp.stream (a TcpStreams that has observed the capture) */
  streams?: TcpStreamLookup;
}

/** Microseconds since the epoch of a record. */
export const recordTimeUs = (r: PcapRecord): number => r.sec * 1e6 + Math.floor(r.nsec / 1000);

function frameLayer(ctx: DecodeContext, rec: PcapRecord, caplen: number, opts: DecodeOptions): void {
  ctx.layer('frame', 0, caplen);
  const t = `${rec.sec}.${String(rec.nsec).padStart(9, '0')}`;
  ctx.f('frame.time_epoch', rec.sec + rec.nsec / 1e9, t, 0, 0);
  if (opts.number !== undefined) ctx.f('frame.number', opts.number, String(opts.number), 0, 0);
  ctx.f('frame.len', rec.len, `${rec.len} bytes`, 0, 0);
  ctx.f('frame.cap_len', caplen, `${caplen} bytes`, 0, 0);
}

function decodeLink(ctx: DecodeContext, linktype: number, wireEnd: number): void {
  switch (linktype) {
    case LINKTYPE.ETHERNET:
      return decodeEth(ctx, wireEnd);
    case LINKTYPE.LINUX_SLL:
      return decodeSll(ctx, wireEnd);
    case LINKTYPE.LINUX_SLL2:
      return decodeSll2(ctx, wireEnd);
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
      if (ctx.buf[0] >> 4 === 4 || ctx.end === 0) {
        decodeIpv4(ctx, 0, wireEnd, 0);
        return;
      }
      if (ctx.buf[0] >> 4 === 6 && linktype === LINKTYPE.RAW) {
        decodeIpv6(ctx, 0, wireEnd, 0);
        return;
      }
      ctx.notes.text = `raw IP version ${ctx.buf[0] >> 4}, length ${wireEnd}`;
      return decodeData(ctx, 0, wireEnd);
    default:
      ctx.fail(`unsupported link-layer type ${linktype}`);
      ctx.notes.text = `link type ${linktype}, length ${wireEnd}`;
      return decodeData(ctx, 0, wireEnd);
  }
}

export function decodePacket(rec: PcapRecord, opts: DecodeOptions = {}): DecodedPacket {
  const data = rec.data;
  const caplen = data.length;
  const len = rec.len;
  const ctx = new DecodeContext(data, caplen, opts.fields ?? true, opts.streams, opts.number);
  let failure: string | undefined;
  try {
    if (ctx.wants('frame')) frameLayer(ctx, rec, caplen, opts);
    else ctx.layer('frame', 0, caplen);
    decodeLink(ctx, opts.linktype ?? LINKTYPE.ETHERNET, Math.max(len, caplen));
  } catch (e) {
    // a decoder bug must not take the capture down: the packet says so instead
    failure = `decoder failed: ${(e as Error).message}`;
  }
  const error = failure ?? ctx.error;
  const pkt: DecodedPacket = {
    ts: recordTimeUs(rec),
    caplen,
    len,
    layers: ctx.layers,
    summary: formatSummary(ctx.notes, error),
    brief: ctx.brief,
  };
  if (opts.number !== undefined) pkt.number = opts.number;
  if (error !== undefined) pkt.error = error;
  if (opts.bytes) pkt.bytes = data.toString('hex');
  return pkt;
}
