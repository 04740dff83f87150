// The decoder on crafted frames: each field's value, offset and length, the
// layers, the summary line and the brief; truncated and malformed frames.
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { field, fieldValues } from '../../../electron/engine/capture/display-filter';
import { LINKTYPE } from '../../../electron/engine/capture/pcap-reader';
import { A, CRAFTED, CRAFTED_SLL, CRAFTED_SLL2, HTTP_200, HTTP_GET, M } from '../../support/capture-frames';
import { checkFieldBytes, expectFields, fieldNames, layerNames, rec } from './support';

const dec = (name: keyof typeof CRAFTED) => decodePacket(rec(CRAFTED[name]), { number: 7 });

describe('crafted frames: every field holds the bytes at its offset', () => {
  const sets: [Record<string, Buffer>, number][] = [[CRAFTED, LINKTYPE.ETHERNET], [CRAFTED_SLL, LINKTYPE.LINUX_SLL], [CRAFTED_SLL2, LINKTYPE.LINUX_SLL2]];
  for (const [set, linktype] of sets) {
    for (const [name, data] of Object.entries(set)) {
      it(name, () => {
        const p = decodePacket(rec(data), { linktype });
        expect(p.error).toBeUndefined();
        checkFieldBytes(p, data);
        expect(p.layers.reduce((n, l) => n + l.fields.length, 0)).toBeGreaterThan(5);
      });
    }
  }
});

describe('crafted frames: values, offsets, lengths', () => {
  it('TCP SYN with options', () => {
    const p = dec('tcpSyn');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'tcp']);
    expect(p.layers.map((l) => [l.offset, l.length])).toEqual([[0, 74], [0, 14], [14, 20], [34, 40]]);
    expect(p).toMatchObject({ ts: 1_700_000_000_123_456, caplen: 74, len: 74, number: 7 });
    expectFields(p, [
      ['frame.number', 7, 0, 0], ['frame.len', 74, 0, 0], ['frame.cap_len', 74, 0, 0],
      ['eth.dst', M.lb, 0, 6], ['eth.src', M.client, 6, 6], ['eth.type', 0x0800, 12, 2],
      ['ip.version', 4, 14, 1], ['ip.hdr_len', 20, 14, 1], ['ip.dsfield', 0, 15, 1], ['ip.len', 60, 16, 2], ['ip.id', 0x4d2, 18, 2],
      ['ip.flags', 2, 20, 1], ['ip.flags.rb', false, 20, 1], ['ip.flags.df', true, 20, 1], ['ip.flags.mf', false, 20, 1],
      ['ip.frag_offset', 0, 20, 2], ['ip.ttl', 64, 22, 1], ['ip.proto', 6, 23, 1], ['ip.checksum', CRAFTED.tcpSyn.readUInt16BE(24), 24, 2],
      ['ip.checksum.status', 1, 24, 0], ['ip.src', A.client, 26, 4], ['ip.dst', A.vip, 30, 4],
      ['tcp.srcport', 54321, 34, 2], ['tcp.dstport', 80, 36, 2], ['tcp.len', 0, 34, 0], ['tcp.seq_raw', 123, 38, 4], ['tcp.ack_raw', 0, 42, 4],
      ['tcp.hdr_len', 40, 46, 1], ['tcp.flags', 0x002, 46, 2], ['tcp.flags.res', false, 46, 1], ['tcp.flags.ae', false, 46, 1],
      ['tcp.flags.cwr', false, 47, 1], ['tcp.flags.ece', false, 47, 1], ['tcp.flags.urg', false, 47, 1], ['tcp.flags.ack', false, 47, 1],
      ['tcp.flags.push', false, 47, 1], ['tcp.flags.reset', false, 47, 1], ['tcp.flags.syn', true, 47, 1], ['tcp.flags.fin', false, 47, 1],
      ['tcp.window_size_value', 64240, 48, 2], ['tcp.checksum', CRAFTED.tcpSyn.readUInt16BE(50), 50, 2], ['tcp.urgent_pointer', 0, 52, 2],
      ['tcp.options', CRAFTED.tcpSyn.subarray(54, 74).toString('hex'), 54, 20],
      ['tcp.options.mss', '020405b4', 54, 4], ['tcp.option_kind', 2, 54, 1], ['tcp.option_len', 4, 55, 1], ['tcp.options.mss_val', 1460, 56, 2],
      ['tcp.options.sack_perm', '0402', 58, 2],
      ['tcp.options.timestamp.tsval', 123456, 62, 4], ['tcp.options.timestamp.tsecr', 0, 66, 4],
      ['tcp.options.nop', '01', 70, 1], ['tcp.options.wscale.shift', 7, 73, 1], ['tcp.options.wscale.multiplier', 128, 73, 1],
    ]);
    expect(fieldNames(p, 'tcp')).not.toContain('tcp.payload');
    expect(field(p, 'tcp.flags.syn')).toBe(true);
    expect(p.summary).toBe('IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [S], seq 123, win 64240, options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 0');
    expect(p.brief).toEqual({
      proto: 'tcp', ethSrc: M.client, ethDst: M.lb, src: A.client, dst: A.vip, ipProto: 6, ipId: 0x4d2, ttl: 64,
      sport: 54321, dport: 80, tcpFlags: 0x02, seq: 123, ack: 0, payloadLength: 0,
    });
    expect(p.layers.find((l) => l.name === 'tcp')!.fields.find((f) => f.name === 'tcp.flags')!.display).toBe('0x002 (SYN)');
  });

  it('IPIP-wrapped TCP: two ip layers, inner addresses, the journey brief', () => {
    const p = dec('ipipTcp');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'ip', 'tcp']);
    expect(p.layers.slice(2).map((l) => [l.offset, l.length])).toEqual([[14, 20], [34, 20], [54, 20]]);
    expectFields(p, [
      ['ip.len', 60, 16, 2], ['ip.len', 40, 36, 2], ['ip.id', 0x0bad, 18, 2], ['ip.id', 0x4d3, 38, 2],
      ['ip.ttl', 63, 22, 1], ['ip.ttl', 64, 42, 1], ['ip.proto', 4, 23, 1], ['ip.proto', 6, 43, 1],
      ['ip.src', A.lb, 26, 4], ['ip.src', A.client, 46, 4], ['ip.dst', A.server, 30, 4], ['ip.dst', A.vip, 50, 4],
      ['tcp.srcport', 54321, 54, 2], ['tcp.dstport', 80, 56, 2], ['tcp.seq_raw', 124, 58, 4], ['tcp.ack_raw', 987654321, 62, 4],
      ['tcp.flags', 0x010, 66, 2], ['tcp.flags.ack', true, 67, 1], ['tcp.window_size_value', 502, 68, 2],
    ]);
    expect(fieldValues(p, 'ip.src')).toEqual([A.lb, A.client]);
    expect(field(p, 'ip.dst', 2)).toBe(A.vip);
    expect(p.summary).toBe('IP 198.18.0.2 > 198.18.0.11: IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [.], seq 124, ack 987654321, win 502, length 0');
    expect(p.brief).toMatchObject({
      proto: 'tcp', src: A.client, dst: A.vip, ipProto: 6, ipId: 0x4d3, ttl: 64, sport: 54321, dport: 80, tcpFlags: 0x10,
      outer: { src: A.lb, dst: A.server, id: 0x0bad, ttl: 63 },
    });
  });

  it('UDP datagram', () => {
    const p = dec('udp');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'udp']);
    expectFields(p, [
      ['ip.proto', 17, 23, 1], ['ip.len', 50, 16, 2],
      ['udp.srcport', 40000, 34, 2], ['udp.dstport', 53, 36, 2], ['udp.length', 30, 38, 2],
      ['udp.checksum', CRAFTED.udp.readUInt16BE(40), 40, 2], ['udp.payload', Buffer.from('lblab udp datagram....').toString('hex'), 42, 22],
    ]);
    expect(p.summary).toBe('IP 198.18.0.10.40000 > 198.18.0.100.53: UDP, length 22');
    expect(p.brief).toMatchObject({ proto: 'udp', sport: 40000, dport: 53, payloadLength: 22 });
  });

  it('ICMP echo request', () => {
    const p = dec('icmpEcho');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'icmp', 'data']);
    expectFields(p, [
      ['icmp.type', 8, 34, 1], ['icmp.code', 0, 35, 1], ['icmp.checksum', CRAFTED.icmpEcho.readUInt16BE(36), 36, 2],
      ['icmp.ident', 0x1234, 38, 2], ['icmp.seq', 1, 40, 2], ['data.data', '2a'.repeat(56), 42, 56], ['data.len', 56, 42, 0],
    ]);
    expect(p.summary).toBe('IP 198.18.0.10 > 198.18.0.100: ICMP echo request, id 4660, seq 1, length 64');
    expect(p.brief).toMatchObject({ proto: 'icmp', icmpType: 8, icmpCode: 0 });
  });

  it('ICMP port unreachable with the quoted IPv4 header and UDP header', () => {
    const p = dec('icmpPortUnreachable');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'icmp', 'ip', 'udp']);
    expect(p.layers.slice(4).map((l) => [l.offset, l.length])).toEqual([[42, 20], [62, 8]]);
    expectFields(p, [
      ['ip.dsfield', 0xc0, 15, 1], ['ip.dsfield.dscp', 48, 15, 1], ['ip.src', A.vip, 26, 4], ['ip.dst', A.client, 30, 4],
      ['icmp.type', 3, 34, 1], ['icmp.code', 3, 35, 1], ['icmp.unused', '00000000', 38, 4],
      ['ip.len', 56, 16, 2], ['ip.len', 50, 44, 2], ['ip.proto', 1, 23, 1], ['ip.proto', 17, 51, 1],
      ['ip.src', A.client, 54, 4], ['ip.dst', A.vip, 58, 4],
      ['udp.srcport', 40000, 62, 2], ['udp.dstport', 9, 64, 2], ['udp.length', 30, 66, 2],
    ]);
    expect(fieldNames(p, 'udp')).not.toContain('udp.payload');
    expect(p.error).toBeUndefined();
    expect(p.summary).toBe('IP 198.18.0.100 > 198.18.0.10: ICMP 198.18.0.100 udp port 9 unreachable, length 36');
    // the brief is the packet's own header, not the quoted one
    expect(p.brief).toMatchObject({ proto: 'icmp', src: A.vip, dst: A.client, icmpType: 3, icmpCode: 3 });
    expect(p.brief.sport).toBeUndefined();
  });

  it('ICMP fragmentation needed quoting 8 bytes of TCP', () => {
    const p = dec('icmpFragNeeded');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'icmp', 'ip', 'tcp']);
    expectFields(p, [
      ['icmp.type', 3, 34, 1], ['icmp.code', 4, 35, 1], ['icmp.unused', '0000', 38, 2], ['icmp.mtu', 1400, 40, 2],
      ['ip.len', 56, 16, 2], ['ip.len', 1500, 44, 2], ['ip.flags.df', false, 20, 1], ['ip.flags.df', true, 48, 1],
      ['tcp.srcport', 54321, 62, 2], ['tcp.dstport', 80, 64, 2], ['tcp.seq', 5000, 66, 4],
    ]);
    expect(fieldNames(p, 'tcp')).toEqual(['tcp.srcport', 'tcp.dstport', 'tcp.seq']);
    expect(p.error).toBeUndefined();
    expect(p.summary).toBe('IP 198.18.0.2 > 198.18.0.10: ICMP 198.18.0.100 unreachable - need to frag (mtu 1400), length 36');
  });

  it('ARP request with Ethernet padding', () => {
    const p = dec('arpRequest');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'arp']);
    expectFields(p, [
      ['eth.dst', M.bcast, 0, 6], ['eth.type', 0x0806, 12, 2],
      ['arp.hw.type', 1, 14, 2], ['arp.proto.type', 0x0800, 16, 2], ['arp.hw.size', 6, 18, 1], ['arp.proto.size', 4, 19, 1],
      ['arp.opcode', 1, 20, 2], ['arp.src.hw_mac', M.client, 22, 6], ['arp.src.proto_ipv4', A.client, 28, 4],
      ['arp.dst.hw_mac', '00:00:00:00:00:00', 32, 6], ['arp.dst.proto_ipv4', '198.18.0.1', 38, 4],
      ['eth.padding', '00'.repeat(18), 42, 18],
    ]);
    expect(p.summary).toBe('ARP, Request who-has 198.18.0.1 tell 198.18.0.10, length 46');
    expect(p.brief).toEqual({ proto: 'arp', ethSrc: M.client, ethDst: M.bcast });
    expect(dec('arpReply').summary).toBe('ARP, Reply 198.18.0.1 is-at 02:42:c6:12:00:02, length 46');
  });

  it('802.1Q VLAN frame (and 802.1ad + 802.1Q)', () => {
    const p = dec('vlanUdp');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'vlan', 'ip', 'udp']);
    expectFields(p, [
      ['eth.type', 0x8100, 12, 2], ['vlan.priority', 3, 14, 2], ['vlan.dei', false, 14, 2], ['vlan.id', 10, 14, 2],
      ['vlan.etype', 0x0800, 16, 2], ['ip.src', A.client, 30, 4], ['udp.srcport', 40000, 38, 2],
    ]);
    expect(p.brief.vlan).toBe(10);
    expect(p.summary).toBe('vlan 10, p 3, IP 198.18.0.10.40000 > 198.18.0.100.53: UDP, length 22');
    const q = dec('qinq');
    expect(layerNames(q)).toEqual(['frame', 'eth', 'ieee8021ad', 'vlan', 'ip', 'icmp', 'data']);
    expectFields(q, [
      ['eth.type', 0x88a8, 12, 2], ['ieee8021ad.id', 100, 14, 2], ['ieee8021ah.etype', 0x8100, 16, 2],
      ['vlan.priority', 5, 18, 2], ['vlan.dei', true, 18, 2], ['vlan.id', 20, 18, 2], ['vlan.etype', 0x0800, 20, 2],
    ]);
  });

  it('IPv4 fragments: the first decodes its UDP header, a later one is data', () => {
    const a = dec('fragFirst');
    expect(layerNames(a)).toEqual(['frame', 'eth', 'ip', 'udp']);
    expectFields(a, [['ip.id', 0x7777, 18, 2], ['ip.flags.mf', true, 20, 1], ['ip.frag_offset', 0, 20, 2], ['ip.len', 1500, 16, 2], ['udp.length', 3008, 38, 2]]);
    expect(a.error).toBeUndefined();
    expect(a.summary).toBe('IP 198.18.0.10.40001 > 198.18.0.100.5000: UDP, length 3000 (frag 30583:1480@0+)');
    const b = dec('fragSecond');
    expect(layerNames(b)).toEqual(['frame', 'eth', 'ip', 'data']);
    expectFields(b, [['ip.flags.mf', false, 20, 1], ['ip.frag_offset', 185, 20, 2], ['data.len', 1480, 34, 0]]);
    expect(b.summary).toBe('IP 198.18.0.10 > 198.18.0.100: udp, length 1480 (frag 30583:1480@1480)');
    expect(b.brief).toMatchObject({ proto: 'ip', ipProto: 17 });
  });

  it('IPv4 options', () => {
    const p = dec('ipOptions');
    expectFields(p, [['ip.hdr_len', 24, 14, 1], ['ip.opt.type', 148, 34, 1], ['ip.opt.len', 4, 35, 1], ['ip.opt.ra', 0, 36, 2], ['udp.srcport', 40000, 38, 2]]);
  });

  it('HTTP GET request line and headers', () => {
    const p = dec('httpGet');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'ip', 'tcp', 'http']);
    const at = (s: string): number => 66 + HTTP_GET.indexOf(s);
    const head = HTTP_GET.length; // the whole payload is the head
    expect(p.layers[4]).toMatchObject({ offset: 66, length: head });
    expectFields(p, [
      ['tcp.hdr_len', 32, 46, 1], ['tcp.len', head, 34, 0], ['tcp.payload', Buffer.from(HTTP_GET).toString('hex'), 66, head],
      ['tcp.options.timestamp.tsval', 123460, 58, 4], ['tcp.options.timestamp.tsecr', 777, 62, 4],
      ['http.request', true, 66, 0], ['http.request.method', 'GET', 66, 3], ['http.request.uri', '/index.html?x=1', 70, 15],
      ['http.request.version', 'HTTP/1.1', 86, 8],
      ['http.request.line', 'Host: 198.18.0.100\r\n', at('Host'), 20], ['http.host', '198.18.0.100', at('Host'), 20],
      ['http.request.line', 'User-Agent: lblab-test/1.0\r\n', at('User-Agent'), 28], ['http.user_agent', 'lblab-test/1.0', at('User-Agent'), 28],
      ['http.request.line', 'Accept: */*\r\n', at('Accept'), 13], ['http.accept', '*/*', at('Accept'), 13],
    ]);
    expect(p.summary).toBe(`IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [P.], seq 124:${124 + head}, ack 2000, win 502, options [nop,nop,TS val 123460 ecr 777], length ${head}: HTTP: GET /index.html?x=1 HTTP/1.1`);
  });

  it('HTTP 200 response', () => {
    const p = dec('http200');
    const at = (s: string): number => 54 + HTTP_200.indexOf(s);
    expect(p.layers[4]).toMatchObject({ name: 'http', offset: 54, length: HTTP_200.indexOf('\r\n\r\n') + 4 });
    expectFields(p, [
      ['tcp.srcport', 80, 34, 2], ['http.response', true, 54, 0], ['http.response.version', 'HTTP/1.1', 54, 8],
      ['http.response.code', 200, 63, 3], ['http.response.phrase', 'OK', 67, 2],
      ['http.server', 'lblab', at('Server'), 15], ['http.content_type', 'text/plain', at('Content-Type'), 26],
      ['http.content_length_header', '5', at('Content-Length'), 19], ['http.content_length', 5, at('Content-Length'), 19],
    ]);
    expect(p.summary).toMatch(/^IP 198\.18\.0\.100\.80 > 198\.18\.0\.10\.54321: Flags \[P\.\], seq 2000:2084, ack 217, win 509, length 84: HTTP: HTTP\/1\.1 200 OK$/);
  });

  it('TCP SACK, FIN/URG/ECE/CWR and RST', () => {
    expectFields(dec('tcpSack'), [['tcp.options.sack_le', 4000, 58, 4], ['tcp.options.sack_re', 5000, 62, 4], ['tcp.options.sack_le', 6000, 66, 4], ['tcp.options.sack_re', 7000, 70, 4]]);
    const f = dec('tcpFinUrg');
    expectFields(f, [['tcp.flags', 0xf1, 46, 2], ['tcp.flags.fin', true, 47, 1], ['tcp.flags.urg', true, 47, 1], ['tcp.flags.ece', true, 47, 1], ['tcp.flags.cwr', true, 47, 1], ['tcp.urgent_pointer', 5, 52, 2]]);
    expect(f.summary).toContain('Flags [FUEW.], seq 300, ack 3000, win 64240, urg 5, length 0');
    expect(dec('tcpRst').summary).toBe('IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [R], seq 301, win 64240, length 0');
    expect(field(dec('tcpRst'), 'tcp.flags.reset')).toBe(true);
  });

  it('Linux cooked captures (SLL and SLL2)', () => {
    const a = decodePacket(rec(CRAFTED_SLL.sllTcp), { linktype: LINKTYPE.LINUX_SLL });
    expect(layerNames(a)).toEqual(['frame', 'sll', 'ip', 'tcp']);
    expectFields(a, [['sll.pkttype', 4, 0, 2], ['sll.hatype', 1, 2, 2], ['sll.halen', 6, 4, 2], ['sll.src.eth', M.client, 6, 6], ['sll.etype', 0x0800, 14, 2], ['ip.src', A.client, 28, 4], ['tcp.srcport', 54321, 36, 2]]);
    expect(a.summary).toMatch(/^Out IP 198\.18\.0\.10\.54321 > 198\.18\.0\.100\.80: Flags \[S\]/);
    const b = decodePacket(rec(CRAFTED_SLL2.sll2Tcp), { linktype: LINKTYPE.LINUX_SLL2 });
    expect(layerNames(b)).toEqual(['frame', 'sll', 'ip', 'tcp']);
    expectFields(b, [['sll.etype', 0x0800, 0, 2], ['sll.ifindex', 7, 4, 4], ['sll.hatype', 1, 8, 2], ['sll.pkttype', 0, 10, 1], ['sll.halen', 6, 11, 1], ['sll.src.eth', M.client, 12, 6], ['tcp.srcport', 54321, 40, 2]]);
    expect(b.brief).toMatchObject({ proto: 'tcp', ethSrc: M.client, src: A.client });
  });

  it('an unknown ethertype is data', () => {
    const p = dec('unknownEthertype');
    expect(layerNames(p)).toEqual(['frame', 'eth', 'data']);
    expect(p.summary).toBe('ethertype Unknown (0x88b5), length 62');
    expect(p.error).toBeUndefined();
  });
});

describe('fast path (no field tree)', () => {
  it('gives the same layers, summary and brief as the full decode', () => {
    for (const [name, data] of Object.entries(CRAFTED)) {
      const full = decodePacket(rec(data));
      const fast = decodePacket(rec(data), { fields: false });
      expect(fast.summary, name).toBe(full.summary);
      expect(fast.brief, name).toEqual(full.brief);
      expect(fast.layers.map((l) => [l.name, l.offset, l.length]), name).toEqual(full.layers.map((l) => [l.name, l.offset, l.length]));
      expect(fast.layers.every((l) => l.fields.length === 0)).toBe(true);
    }
  });
  it('adds the bytes as hex on request', () => {
    expect(decodePacket(rec(CRAFTED.udp), { bytes: true }).bytes).toBe(CRAFTED.udp.toString('hex'));
  });
});

describe('truncated and malformed frames decode as far as they can', () => {
  const cut = (name: keyof typeof CRAFTED, n: number, wire = true) =>
    decodePacket(rec(CRAFTED[name].subarray(0, n), wire ? n : CRAFTED[name].length));

  it('truncated TCP header keeps the fields that fit', () => {
    const p = cut('tcpSyn', 46);
    expect(p.error).toBe('truncated TCP header: 12 of 20 bytes');
    expect(fieldNames(p, 'tcp')).toEqual(['tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw']);
    expect(p.summary).toBe('IP 198.18.0.10 > 198.18.0.100: tcp, truncated [truncated TCP header: 12 of 20 bytes]');
    expect(cut('tcpSyn', 60).error).toBe('truncated TCP header: 26 of 40 bytes');
  });
  it('truncated Ethernet, IPv4, UDP, ICMP, ARP', () => {
    expect(cut('udp', 10).error).toBe('truncated Ethernet header: 10 of 14 bytes');
    expect(cut('udp', 29).error).toBe('truncated IPv4 header: 15 of 20 bytes');
    expect(cut('udp', 38).error).toBe('truncated UDP header: 4 of 8 bytes');
    expect(cut('icmpEcho', 40).error).toBe('truncated ICMP header: 6 of 8 bytes');
    expect(cut('arpRequest', 30).error).toBe('truncated ARP message: 16 of 28 bytes');
    expect(cut('vlanUdp', 16).error).toBe('truncated 802.1Q tag: 2 of 4 bytes');
  });
  it('a snaplen-cut payload is no error; tcp.len stays the wire length', () => {
    const p = cut('httpGet', 80, false);
    expect(p.error).toBeUndefined();
    expect(p).toMatchObject({ caplen: 80, len: CRAFTED.httpGet.length });
    expectFields(p, [['tcp.len', HTTP_GET.length, 34, 0], ['tcp.payload', CRAFTED.httpGet.subarray(66, 80).toString('hex'), 66, 14], ['http.request.method', 'GET', 66, 3]]);
  });
  it('malformed headers', () => {
    const bad = (name: keyof typeof CRAFTED, at: number, value: number) => {
      const b = Buffer.from(CRAFTED[name]);
      b[at] = value;
      return decodePacket(rec(b));
    };
    expect(bad('udp', 14, 0x41).error).toBe('bad IPv4 header length 4 (minimum 20)');
    expect(bad('udp', 14, 0x65).error).toBe('IPv4 header has version 6');
    expect(bad('udp', 39, 4).error).toBe('bad UDP length 4 (minimum 8)');
    expect(bad('udp', 17, 200).error).toBe('IPv4 total length 200 exceeds the 50 bytes that carry it');
    expect(bad('tcpSyn', 55, 0).error).toBe('bad TCP option length 0 for option 2');
    expect(bad('tcpSyn', 46, 0x30).error).toBe('bad TCP header length 12 (minimum 20)');
    const p = bad('udp', 39, 4);
    expect(p.summary).toContain('[bad UDP length 4 (minimum 8)]');
  });
  it('an empty frame and an unknown link type', () => {
    expect(decodePacket(rec(Buffer.alloc(0))).error).toBe('truncated Ethernet header: 0 of 14 bytes');
    const p = decodePacket(rec(Buffer.from([1, 2, 3])), { linktype: 147 });
    expect(p.error).toBe('unsupported link-layer type 147');
    expect(layerNames(p)).toEqual(['frame', 'data']);
  });
});
