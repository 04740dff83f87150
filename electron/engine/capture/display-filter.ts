// Wireshark display filters (a subset) over decoded packets. Pure TypeScript
// with no imports but api.ts types: the renderer can use this same file.
//
//   tcp                          a protocol is present
//   tcp.flags.syn == 1           a flag is set (`tcp.flags.syn` alone: the field is present, as in Wireshark)
//   ip.src == 198.18.0.0/24      == != < > <= >= (also eq ne lt gt le ge), contains
//   !icmp && (tcp.port == 80 || udp)   ! not, && and, || or, parentheses
//   ip.dst#2 == 198.18.0.100     #n: the n-th occurrence (the inner header of IPIP or VXLAN)
//   vxlan.vni == 4097            VXLAN (UDP 4789): its network identifier
//
// Values: numbers (decimal, 0x hex), IPv4 addresses and CIDR blocks, MACs
// (aa:bb:cc:dd:ee:ff), "quoted strings", hex bytes (47:45:54), true/false.
// As in Wireshark, `a == v` holds if any occurrence of a equals v, and
// `a != v` if a is present and no occurrence equals v; ip.addr, tcp.port,
// udp.port and eth.addr stand for both source and destination.
import type { CaptureValue, DecodedPacket } from '../../api';
import type { FieldSelection } from './decode/context';

export type FieldKind = 'uint' | 'float' | 'bool' | 'ipv4' | 'ipv6' | 'mac' | 'string' | 'bytes';

/** Every field the decoder emits: its kind and Wireshark's label (for a tree view). */
export const CAPTURE_FIELDS: Record<string, readonly [FieldKind, string]> = {
  'arp.dst.hw_mac': ['mac', 'Target MAC address'],
  'arp.dst.proto_ipv4': ['ipv4', 'Target IP address'],
  'arp.hw.size': ['uint', 'Hardware size'],
  'arp.hw.type': ['uint', 'Hardware type'],
  'arp.opcode': ['uint', 'Opcode'],
  'arp.proto.size': ['uint', 'Protocol size'],
  'arp.proto.type': ['uint', 'Protocol type'],
  'arp.src.hw_mac': ['mac', 'Sender MAC address'],
  'arp.src.proto_ipv4': ['ipv4', 'Sender IP address'],
  'data.data': ['bytes', 'Data'],
  'data.len': ['uint', 'Length'],
  'eth.dst': ['mac', 'Destination'],
  'eth.len': ['uint', 'Length'],
  'eth.padding': ['bytes', 'Padding'],
  'eth.src': ['mac', 'Source'],
  'eth.trailer': ['bytes', 'Trailer'],
  'eth.type': ['uint', 'Type'],
  'frame.cap_len': ['uint', 'Frame length stored into the capture file'],
  'frame.len': ['uint', 'Frame length on the wire'],
  'frame.number': ['uint', 'Frame Number'],
  'frame.time_epoch': ['float', 'Epoch Time'],
  'ieee8021ad.dei': ['bool', 'DEI'],
  'ieee8021ad.id': ['uint', 'ID'],
  'ieee8021ad.priority': ['uint', 'Priority'],
  'ieee8021ah.etype': ['uint', 'Type'],
  'http.accept': ['string', 'Accept'],
  'http.accept_encoding': ['string', 'Accept Encoding'],
  'http.accept_language': ['string', 'Accept-Language'],
  'http.authorization': ['string', 'Authorization'],
  'http.cache_control': ['string', 'Cache-Control'],
  'http.connection': ['string', 'Connection'],
  'http.content_encoding': ['string', 'Content-Encoding'],
  'http.content_length': ['uint', 'Content length'],
  'http.content_length_header': ['string', 'Content-Length'],
  'http.content_type': ['string', 'Content-Type'],
  'http.cookie': ['string', 'Cookie'],
  'http.date': ['string', 'Date'],
  'http.host': ['string', 'Host'],
  'http.last_modified': ['string', 'Last-Modified'],
  'http.location': ['string', 'Location'],
  'http.referer': ['string', 'Referer'],
  'http.request': ['bool', 'Request'],
  'http.request.line': ['string', 'Request line'],
  'http.request.method': ['string', 'Request Method'],
  'http.request.uri': ['string', 'Request URI'],
  'http.request.version': ['string', 'Request Version'],
  'http.response': ['bool', 'Response'],
  'http.response.code': ['uint', 'Status Code'],
  'http.response.line': ['string', 'Response line'],
  'http.response.phrase': ['string', 'Response Phrase'],
  'http.response.version': ['string', 'Response Version'],
  'http.server': ['string', 'Server'],
  'http.set_cookie': ['string', 'Set-Cookie'],
  'http.transfer_encoding': ['string', 'Transfer-Encoding'],
  'http.upgrade': ['string', 'Upgrade'],
  'http.user_agent': ['string', 'User-Agent'],
  'http.x_forwarded_for': ['string', 'X-Forwarded-For'],
  'icmp.checksum': ['uint', 'Checksum'],
  'icmp.code': ['uint', 'Code'],
  'icmp.ident': ['uint', 'Identifier (BE)'],
  'icmp.mtu': ['uint', 'MTU of next hop'],
  'icmp.pointer': ['uint', 'Pointer'],
  'icmp.redir_gw': ['ipv4', 'Gateway Address'],
  'icmp.seq': ['uint', 'Sequence Number (BE)'],
  'icmp.type': ['uint', 'Type'],
  'icmp.unused': ['bytes', 'Unused'],
  'icmpv6.checksum': ['uint', 'Checksum'],
  'icmpv6.checksum.status': ['uint', 'Checksum Status'],
  'icmpv6.code': ['uint', 'Code'],
  'icmpv6.echo.identifier': ['uint', 'Identifier'],
  'icmpv6.echo.sequence_number': ['uint', 'Sequence'],
  'icmpv6.mtu': ['uint', 'MTU'],
  'icmpv6.nd.na.flag': ['uint', 'Flags'],
  'icmpv6.nd.na.flag.o': ['bool', 'Override'],
  'icmpv6.nd.na.flag.r': ['bool', 'Router'],
  'icmpv6.nd.na.flag.rsv': ['uint', 'Reserved'],
  'icmpv6.nd.na.flag.s': ['bool', 'Solicited'],
  'icmpv6.nd.na.target_address': ['ipv6', 'Target Address'],
  'icmpv6.nd.ns.target_address': ['ipv6', 'Target Address'],
  'icmpv6.nd.rd.target_address': ['ipv6', 'Target Address'],
  'icmpv6.opt.length': ['uint', 'Length'],
  'icmpv6.opt.linkaddr': ['bytes', 'Link-layer address'],
  'icmpv6.opt.mtu': ['uint', 'MTU'],
  'icmpv6.opt.src_linkaddr': ['bytes', 'Source Link-layer address'],
  'icmpv6.opt.target_linkaddr': ['bytes', 'Target Link-layer address'],
  'icmpv6.opt.type': ['uint', 'Type'],
  'icmpv6.pointer': ['uint', 'Pointer'],
  'icmpv6.reserved': ['bytes', 'Reserved'],
  'icmpv6.type': ['uint', 'Type'],
  'ip.checksum': ['uint', 'Header Checksum'],
  'ip.checksum.status': ['uint', 'Header checksum status'],
  'ip.dsfield': ['uint', 'Differentiated Services Field'],
  'ip.dsfield.dscp': ['uint', 'Differentiated Services Codepoint'],
  'ip.dsfield.ecn': ['uint', 'Explicit Congestion Notification'],
  'ip.dst': ['ipv4', 'Destination Address'],
  'ip.flags': ['uint', 'Flags'],
  'ip.flags.df': ['bool', 'Don\'t fragment'],
  'ip.flags.mf': ['bool', 'More fragments'],
  'ip.flags.rb': ['bool', 'Reserved bit'],
  'ip.frag_offset': ['uint', 'Fragment Offset'],
  'ip.hdr_len': ['uint', 'Header Length'],
  'ip.id': ['uint', 'Identification'],
  'ip.len': ['uint', 'Total Length'],
  'ip.opt.len': ['uint', 'Length'],
  'ip.opt.ptr': ['uint', 'Pointer'],
  'ip.opt.ra': ['uint', 'Router Alert'],
  'ip.opt.type': ['uint', 'Type'],
  'ip.proto': ['uint', 'Protocol'],
  'ip.src': ['ipv4', 'Source Address'],
  'ip.ttl': ['uint', 'Time to Live'],
  'ip.version': ['uint', 'Version'],
  'ipv6.dst': ['ipv6', 'Destination Address'],
  'ipv6.dstopts.len': ['uint', 'Length'],
  'ipv6.dstopts.len_oct': ['uint', 'Length'],
  'ipv6.dstopts.nxt': ['uint', 'Next Header'],
  'ipv6.flow': ['uint', 'Flow Label'],
  'ipv6.fraghdr.ident': ['uint', 'Identification'],
  'ipv6.fraghdr.more': ['bool', 'More Fragments'],
  'ipv6.fraghdr.nxt': ['uint', 'Next header'],
  'ipv6.fraghdr.offset': ['uint', 'Offset'],
  'ipv6.fraghdr.reserved_bits': ['uint', 'Reserved bits'],
  'ipv6.fraghdr.reserved_octet': ['uint', 'Reserved octet'],
  'ipv6.hlim': ['uint', 'Hop Limit'],
  'ipv6.hopopts.len': ['uint', 'Length'],
  'ipv6.hopopts.len_oct': ['uint', 'Length'],
  'ipv6.hopopts.nxt': ['uint', 'Next Header'],
  'ipv6.nxt': ['uint', 'Next Header'],
  'ipv6.plen': ['uint', 'Payload Length'],
  'ipv6.routing.len': ['uint', 'Length'],
  'ipv6.routing.len_oct': ['uint', 'Length'],
  'ipv6.routing.nxt': ['uint', 'Next Header'],
  'ipv6.routing.segleft': ['uint', 'Segments Left'],
  'ipv6.routing.type': ['uint', 'Type'],
  'ipv6.src': ['ipv6', 'Source Address'],
  'ipv6.tclass': ['uint', 'Traffic Class'],
  'ipv6.tclass.dscp': ['uint', 'Differentiated Services Codepoint'],
  'ipv6.tclass.ecn': ['uint', 'Explicit Congestion Notification'],
  'ipv6.version': ['uint', 'Version'],
  'sll.etype': ['uint', 'Protocol'],
  'sll.halen': ['uint', 'Link-layer address length'],
  'sll.hatype': ['uint', 'Link-layer address type'],
  'sll.ifindex': ['uint', 'Interface index'],
  'sll.pkttype': ['uint', 'Packet type'],
  'sll.src.eth': ['mac', 'Source'],
  'sll.src.other': ['bytes', 'Source'],
  'tcp.ack': ['uint', 'Acknowledgment Number'],
  'tcp.ack_raw': ['uint', 'Acknowledgment number (raw)'],
  'tcp.checksum': ['uint', 'Checksum'],
  'tcp.dstport': ['uint', 'Destination Port'],
  'tcp.flags': ['uint', 'Flags'],
  'tcp.flags.ack': ['bool', 'Acknowledgment'],
  'tcp.flags.ae': ['bool', 'Accurate ECN'],
  'tcp.flags.cwr': ['bool', 'Congestion Window Reduced'],
  'tcp.flags.ece': ['bool', 'ECN-Echo'],
  'tcp.flags.fin': ['bool', 'Fin'],
  'tcp.flags.push': ['bool', 'Push'],
  'tcp.flags.res': ['bool', 'Reserved'],
  'tcp.flags.reset': ['bool', 'Reset'],
  'tcp.flags.syn': ['bool', 'Syn'],
  'tcp.flags.urg': ['bool', 'Urgent'],
  'tcp.hdr_len': ['uint', 'Header Length'],
  'tcp.len': ['uint', 'TCP Segment Len'],
  'tcp.option_kind': ['uint', 'Kind'],
  'tcp.option_len': ['uint', 'Length'],
  'tcp.options': ['bytes', 'TCP Options'],
  'tcp.options.eol': ['bytes', 'TCP Option - End of Option List (EOL)'],
  'tcp.options.mss': ['bytes', 'TCP Option - Maximum segment size'],
  'tcp.options.mss_val': ['uint', 'MSS Value'],
  'tcp.options.nop': ['bytes', 'TCP Option - No-Operation (NOP)'],
  'tcp.options.sack': ['bytes', 'TCP Option - SACK'],
  'tcp.options.sack_le': ['uint', 'TCP SACK Left Edge'],
  'tcp.options.sack_perm': ['bytes', 'TCP Option - SACK permitted'],
  'tcp.options.sack_re': ['uint', 'TCP SACK Right Edge'],
  'tcp.options.timestamp': ['bytes', 'TCP Option - Timestamps'],
  'tcp.options.timestamp.tsecr': ['uint', 'Timestamp echo reply'],
  'tcp.options.timestamp.tsval': ['uint', 'Timestamp value'],
  'tcp.options.wscale': ['bytes', 'TCP Option - Window scale'],
  'tcp.options.wscale.multiplier': ['uint', 'Multiplier'],
  'tcp.options.wscale.shift': ['uint', 'Shift count'],
  'tcp.payload': ['bytes', 'TCP payload'],
  'tcp.seq': ['uint', 'Sequence Number'],
  'tcp.seq_raw': ['uint', 'Sequence Number (raw)'],
  'tcp.srcport': ['uint', 'Source Port'],
  'tcp.stream': ['uint', 'Stream index'],
  'tcp.urgent_pointer': ['uint', 'Urgent Pointer'],
  'tcp.window_size_value': ['uint', 'Window'],
  'udp.checksum': ['uint', 'Checksum'],
  'udp.dstport': ['uint', 'Destination Port'],
  'udp.length': ['uint', 'Length'],
  'udp.payload': ['bytes', 'Payload'],
  'udp.srcport': ['uint', 'Source Port'],
  'vlan.dei': ['bool', 'DEI'],
  'vlan.etype': ['uint', 'Type'],
  'vlan.id': ['uint', 'ID'],
  'vlan.priority': ['uint', 'Priority'],
  'vxlan.flag_a': ['bool', 'Policy Applied'],
  'vxlan.flag_d': ['bool', "Don't Learn"],
  'vxlan.flag_g': ['bool', 'GBP Extension'],
  'vxlan.flag_i': ['bool', 'VXLAN Network ID (VNI)'],
  'vxlan.flags': ['uint', 'Flags'],
  'vxlan.flags_reserved': ['uint', 'Reserved(R)'],
  'vxlan.gbp': ['uint', 'Group Policy ID'],
  'vxlan.reserved8': ['uint', 'Reserved'],
  'vxlan.vni': ['uint', 'VXLAN Network Identifier (VNI)'],
};

/** Layer names, usable alone in a filter. */
export const CAPTURE_PROTOCOLS: readonly string[] = ['frame', 'sll', 'eth', 'ieee8021ad', 'vlan', 'arp', 'ip', 'ipv6', 'tcp', 'udp', 'vxlan', 'icmp', 'icmpv6', 'http', 'data'];

/** Wireshark's either-direction fields. */
const ALIASES: Record<string, readonly [FieldKind, string[]]> = {
  'ip.addr': ['ipv4', ['ip.src', 'ip.dst']],
  'ipv6.addr': ['ipv6', ['ipv6.src', 'ipv6.dst']],
  'eth.addr': ['mac', ['eth.src', 'eth.dst']],
  'tcp.port': ['uint', ['tcp.srcport', 'tcp.dstport']],
  'udp.port': ['uint', ['udp.srcport', 'udp.dstport']],
};

// ---------------------------------------------------------------- field access

/** Every value of field `name` in the packet, outermost first. */
export function fieldValues(pkt: DecodedPacket, name: string): CaptureValue[] {
  const out: CaptureValue[] = [];
  for (const l of pkt.layers) for (const f of l.fields) if (f.name === name) out.push(f.value);
  return out;
}

/** The `occurrence`-th (1-based, as Wireshark's `#n`) value of field `name`, or undefined. */
export function field(pkt: DecodedPacket, name: string, occurrence = 1): CaptureValue | undefined {
  let n = 0;
  for (const l of pkt.layers) for (const f of l.fields) if (f.name === name && ++n === occurrence) return f.value;
  return undefined;
}

// ---------------------------------------------------------------- errors

export class DisplayFilterError extends Error {
  constructor(
    message: string,
    /** 1-based character position in the filter text */
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'DisplayFilterError';
  }
}

// ---------------------------------------------------------------- tokens

type TokType = 'word' | 'str' | 'op' | '(' | ')' | 'end';
interface Tok { type: TokType; v: string; pos: number }

const KEYWORDS: Record<string, string> = {
  and: '&&', or: '||', not: '!', eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', contains: 'contains',
};
const WORD = /[A-Za-z0-9_.:/#-]/;

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      toks.push({ type: c, v: c, pos: i + 1 });
      i++;
    } else if (c === '"') {
      let s = '';
      const start = i++;
      for (;;) {
        if (i >= text.length) throw new DisplayFilterError('unterminated string', start + 1);
        const d = text[i++];
        if (d === '"') break;
        if (d === '\\' && i < text.length) {
          const e = text[i++];
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i, i + 2))) {
            s += String.fromCharCode(parseInt(text.slice(i, i + 2), 16));
            i += 2;
          } else {
            s += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
          }
        } else {
          s += d;
        }
      }
      toks.push({ type: 'str', v: s, pos: start + 1 });
    } else {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
        toks.push({ type: 'op', v: two, pos: i + 1 });
        i += 2;
      } else if (c === '<' || c === '>' || c === '!') {
        toks.push({ type: 'op', v: c, pos: i + 1 });
        i++;
      } else if (WORD.test(c)) {
        const start = i;
        while (i < text.length && WORD.test(text[i])) i++;
        const w = text.slice(start, i);
        const kw = KEYWORDS[w.toLowerCase()];
        toks.push(kw ? { type: 'op', v: kw, pos: start + 1 } : { type: 'word', v: w, pos: start + 1 });
      } else {
        throw new DisplayFilterError(`unexpected character "${c}"`, i + 1);
      }
    }
  }
  toks.push({ type: 'end', v: '', pos: text.length + 1 });
  return toks;
}

// ---------------------------------------------------------------- literals

const ipToInt = (s: string): number | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
};

/** An IPv6 literal (`::` once at most, an embedded dotted IPv4 last) as 8 groups, or undefined. */
const ip6Groups = (s: string): number[] | undefined => {
  let text = s.toLowerCase();
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  const tail: number[] = [];
  if (v4) {
    const n = ipToInt(v4[2]);
    if (n === undefined) return undefined;
    tail.push(n >>> 16, n & 0xffff);
    text = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const [head, rest] = [part(halves[0]), halves.length === 2 ? part(halves[1]) : []];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  return [...head.map((g) => parseInt(g, 16)), ...Array<number>(8 - given).fill(0), ...rest.map((g) => parseInt(g, 16)), ...tail];
};

/** Whether the first `bits` bits of two addresses agree. */
const samePrefix6 = (a: number[], b: number[], bits: number): boolean => {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
};

function parseNumber(s: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  return undefined;
}

function parseMac(s: string): string | undefined {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(s)
    ?? /^([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  return m ? m.slice(1).join(':').toLowerCase() : undefined;
}

function parseHexBytes(s: string): string | undefined {
  if (/^[0-9a-f]{2}([:.-][0-9a-f]{2})*$/i.test(s) || /^([0-9a-f]{2})+$/i.test(s)) return s.replace(/[:.-]/g, '').toLowerCase();
  return undefined;
}

const latin1Hex = (s: string): string => {
  let h = '';
  for (let i = 0; i < s.length; i++) h += (s.charCodeAt(i) & 0xff).toString(16).padStart(2, '0');
  return h;
};

type Test = (v: CaptureValue) => boolean;

/** A comparison of one value against the literal, for a field of `kind`. */
function comparator(kind: FieldKind, name: string, op: string, lit: Tok): Test {
  const bad = (what: string): never => {
    throw new DisplayFilterError(`"${lit.v}" is not ${what} (${name})`, lit.pos);
  };
  const ordering = op === '<' || op === '>' || op === '<=' || op === '>=';
  const cmp = (a: number | string, b: number | string): boolean =>
    op === '==' || op === '!=' ? a === b : op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  if (op === 'contains' && kind !== 'string' && kind !== 'bytes') throw new DisplayFilterError(`"contains" needs a string or bytes field, ${name} is ${kind}`, lit.pos);
  switch (kind) {
    case 'uint':
    case 'float': {
      const n = lit.type === 'word' ? parseNumber(lit.v) : undefined;
      if (n === undefined) bad('a number');
      return (v) => typeof v === 'number' && cmp(v, n!);
    }
    case 'bool': {
      const w = lit.v.toLowerCase();
      const b = w === '1' || w === 'true' ? true : w === '0' || w === 'false' ? false : bad('1, 0, true or false');
      if (ordering) throw new DisplayFilterError(`${name} is a flag: use == or !=`, lit.pos);
      return (v) => v === b;
    }
    case 'ipv4': {
      const [addr, bits] = lit.v.split('/');
      const ip = lit.type === 'word' ? ipToInt(addr) : undefined;
      if (ip === undefined) bad('an IPv4 address');
      if (bits !== undefined) {
        const len = /^\d{1,2}$/.test(bits) ? Number(bits) : 33;
        if (len > 32) bad('an IPv4 address or CIDR block');
        if (ordering) throw new DisplayFilterError(`a CIDR block compares only with == or !=`, lit.pos);
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const net = (ip! & mask) >>> 0;
        return (v) => {
          const x = typeof v === 'string' ? ipToInt(v) : undefined;
          return x !== undefined && (x & mask) >>> 0 === net;
        };
      }
      if (!ordering) {
        const norm = [ip! >>> 24, (ip! >> 16) & 255, (ip! >> 8) & 255, ip! & 255].join('.');
        return (v) => v === norm;
      }
      return (v) => typeof v === 'string' && cmp(ipToInt(v) ?? -1, ip!);
    }
    case 'ipv6': {
      const [addr, bits] = lit.v.split('/');
      const want = lit.type === 'word' ? ip6Groups(addr) : undefined;
      if (want === undefined) bad('an IPv6 address');
      if (ordering) throw new DisplayFilterError(`an IPv6 address compares only with == or !=`, lit.pos);
      const len = bits === undefined ? 128 : /^\d{1,3}$/.test(bits) ? Number(bits) : 129;
      if (len > 128) bad('an IPv6 address or prefix');
      return (v) => {
        const x = typeof v === 'string' ? ip6Groups(v) : undefined;
        return x !== undefined && samePrefix6(x, want!, len);
      };
    }
    case 'mac': {
      const m = lit.type === 'word' ? parseMac(lit.v) : undefined;
      if (m === undefined) bad('a MAC address');
      return (v) => typeof v === 'string' && cmp(v, m!);
    }
    case 'string': {
      const s = lit.v;
      if (op === 'contains') return (v) => typeof v === 'string' && v.includes(s);
      return (v) => typeof v === 'string' && cmp(v, s);
    }
    case 'bytes': {
      const h = lit.type === 'str' ? latin1Hex(lit.v) : parseHexBytes(lit.v);
      if (h === undefined) bad('bytes (47:45:54 or "text")');
      if (ordering) throw new DisplayFilterError(`bytes compare only with ==, != or contains`, lit.pos);
      if (op === 'contains') {
        return (v) => {
          if (typeof v !== 'string') return false;
          for (let i = v.indexOf(h!); i >= 0; i = v.indexOf(h!, i + 1)) if (i % 2 === 0) return true;
          return false;
        };
      }
      return (v) => v === h;
    }
  }
}

// ---------------------------------------------------------------- parser

export type PacketPredicate = (p: DecodedPacket) => boolean;

/** A compiled filter and the fields it reads (decode only those: `fields` in DecodeOptions). */
export type CompiledFilter = PacketPredicate & { readonly fields: FieldSelection };

// field prefixes that differ from the layer holding the field
const LAYER_OF_PREFIX: Record<string, string> = { ieee8021ah: 'ieee8021ad' };

/** The layer a field lives in: its name's first part, as Wireshark names them. */
export function fieldLayer(name: string): string {
  const dot = name.indexOf('.');
  const prefix = dot < 0 ? name : name.slice(0, dot);
  return LAYER_OF_PREFIX[prefix] ?? prefix;
}

class Parser {
  private i = 0;
  /** every field the filter reads, and their layers */
  readonly fields = { layers: new Set<string>(), names: new Set<string>() };
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }

  parse(): PacketPredicate {
    const e = this.or();
    const t = this.peek();
    if (t.type !== 'end') throw new DisplayFilterError(t.type === ')' ? 'unmatched ")"' : `unexpected "${t.v}"`, t.pos);
    return e;
  }

  private or(): PacketPredicate {
    let l = this.and();
    while (this.peek().type === 'op' && this.peek().v === '||') {
      this.next();
      const a = l;
      const b = this.and();
      l = (p) => a(p) || b(p);
    }
    return l;
  }

  private and(): PacketPredicate {
    let l = this.not();
    while (this.peek().type === 'op' && this.peek().v === '&&') {
      this.next();
      const a = l;
      const b = this.not();
      l = (p) => a(p) && b(p);
    }
    return l;
  }

  private not(): PacketPredicate {
    const t = this.peek();
    if (t.type === 'op' && t.v === '!') {
      this.next();
      const e = this.not();
      return (p) => !e(p);
    }
    return this.primary();
  }

  private primary(): PacketPredicate {
    const t = this.next();
    if (t.type === '(') {
      const e = this.or();
      const c = this.next();
      if (c.type !== ')') throw new DisplayFilterError('missing ")"', c.pos);
      return e;
    }
    if (t.type === 'end') throw new DisplayFilterError('expected a field or protocol name', t.pos);
    if (t.type !== 'word') throw new DisplayFilterError(`expected a field or protocol name, got "${t.v}"`, t.pos);
    return this.test(t);
  }

  private test(t: Tok): PacketPredicate {
    const [name, occ] = t.v.split('#');
    let occurrence: number | undefined;
    if (occ !== undefined) {
      if (!/^[1-9]\d*$/.test(occ)) throw new DisplayFilterError(`bad occurrence "#${occ}" (1, 2, ...)`, t.pos);
      occurrence = Number(occ);
    }
    const alias = ALIASES[name];
    const def = CAPTURE_FIELDS[name];
    const op = this.peek();
    const isRelation = op.type === 'op' && ['==', '!=', '<', '>', '<=', '>=', 'contains'].includes(op.v);
    if (!alias && !def) {
      if (CAPTURE_PROTOCOLS.includes(name) && occurrence === undefined) {
        if (isRelation) throw new DisplayFilterError(`${name} is a protocol: compare one of its fields`, op.pos);
        return (p) => p.layers.some((l) => l.name === name);
      }
      throw new DisplayFilterError(`unknown field or protocol "${name}"`, t.pos);
    }
    const kind = alias ? alias[0] : def[0];
    const names = alias ? alias[1] : [name];
    for (const n of names) {
      this.fields.names.add(n);
      this.fields.layers.add(fieldLayer(n));
    }
    const values = (p: DecodedPacket): CaptureValue[] => {
      const out: CaptureValue[] = [];
      for (const l of p.layers) for (const f of l.fields) if (names.includes(f.name)) out.push(f.value);
      if (occurrence === undefined) return out;
      return occurrence <= out.length ? [out[occurrence - 1]] : [];
    };
    if (!isRelation) return (p) => values(p).length > 0;
    this.next();
    const lit = this.next();
    if (lit.type !== 'word' && lit.type !== 'str') throw new DisplayFilterError(`expected a value after "${op.v}"`, lit.pos);
    const test = comparator(kind, name, op.v === '!=' ? '==' : op.v, lit);
    if (op.v === '!=') {
      return (p) => {
        const vs = values(p);
        return vs.length > 0 && !vs.some(test);
      };
    }
    return (p) => values(p).some(test);
  }
}

/** Compile a display filter; throws DisplayFilterError (one line, with the position). An empty filter matches everything. */
export function compileFilter(text: string): CompiledFilter {
  if (!text.trim()) return Object.assign(() => true, { fields: { layers: new Set<string>(), names: new Set<string>() } });
  const parser = new Parser(tokenize(text));
  return Object.assign(parser.parse(), { fields: parser.fields });
}

/** The error a filter has, or undefined if it compiles. */
export function checkFilter(text: string): string | undefined {
  try {
    compileFilter(text);
    return undefined;
  } catch (e) {
    if (e instanceof DisplayFilterError) return e.message;
    throw e;
  }
}
