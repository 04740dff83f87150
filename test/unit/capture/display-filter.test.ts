// Display filters: Wireshark's syntax and semantics on the crafted frames,
// and one-line errors that name the position.
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { checkFilter, compileFilter, DisplayFilterError } from '../../../electron/engine/capture/display-filter';
import { CRAFTED } from '../../support/capture-frames';
import { CRAFTED6 } from '../../support/capture-frames6';
import { rec } from './support';

const packets = Object.entries(CRAFTED).map(([name, d]) => ({ name, p: decodePacket(rec(d)) }));
const hits = (f: string): string[] => {
  const m = compileFilter(f);
  return packets.filter(({ p }) => m(p)).map(({ name }) => name);
};
const TCP_FRAMES = ['tcpSyn', 'ipipTcp', 'icmpFragNeeded', 'httpGet', 'http200', 'tcpSack', 'tcpFinUrg', 'tcpRst', 'timeExceeded'];

describe('display filter', () => {
  it('protocols and fields alone', () => {
    expect(hits('tcp')).toEqual(TCP_FRAMES);
    expect(hits('icmp')).toEqual(['icmpEcho', 'icmpPortUnreachable', 'icmpFragNeeded', 'qinq', 'timeExceeded']);
    expect(hits('http')).toEqual(['httpGet', 'http200']);
    expect(hits('vlan')).toEqual(['vlanUdp', 'qinq']);
    expect(hits('tcp.options.mss_val')).toEqual(['tcpSyn']);
    expect(hits('')).toHaveLength(packets.length);
  });

  it('numbers, hex, booleans, comparisons', () => {
    expect(hits('tcp.flags.syn == 1')).toEqual(['tcpSyn']);
    expect(hits('tcp.flags == 0x002')).toEqual(['tcpSyn']);
    expect(hits('tcp.flags.reset == true')).toEqual(['tcpRst']);
    expect(hits('tcp.flags.syn eq 0 && tcp.flags.ack == 0')).toEqual(['tcpRst']);
    expect(hits('icmp.type == 3 and icmp.code == 4')).toEqual(['icmpFragNeeded']);
    expect(hits('ip.ttl < 64')).toEqual(['ipipTcp', 'timeExceeded']);
    expect(hits('frame.len > 1000')).toEqual(['fragFirst', 'fragSecond']);
    expect(hits('udp.dstport >= 5000')).toEqual(['fragFirst']);
    expect(hits('icmp.mtu <= 1400')).toEqual(['icmpFragNeeded']);
    expect(hits('vlan.id == 20')).toEqual(['qinq']);
  });

  it('addresses: IPv4, CIDR, MAC, either-direction aliases', () => {
    expect(hits('ip.src == 198.18.0.2')).toEqual(['ipipTcp', 'icmpFragNeeded', 'timeExceeded']);
    expect(hits('ip.dst == 198.18.0.0/28 && !icmp')).toEqual(['ipipTcp', 'http200']);
    expect(hits('ip.addr == 198.18.0.11')).toEqual(['ipipTcp']);
    expect(hits('arp.dst.proto_ipv4 == 198.18.0.0/24')).toEqual(['arpRequest', 'arpReply']);
    expect(hits('eth.dst == ff:ff:ff:ff:ff:ff')).toEqual(['arpRequest']);
    expect(hits('eth.addr == 02-42-C6-12-00-0B')).toEqual(['ipipTcp']);
    expect(hits('tcp.port == 443')).toEqual(['timeExceeded']);
    expect(hits('udp.port == 9')).toEqual(['icmpPortUnreachable']);
  });

  it('!= holds when the field is present and no occurrence equals', () => {
    // IPIP has ip.src 198.18.0.2 and 198.18.0.10: != 198.18.0.10 is false for it
    expect(hits('ip.proto == 4 && ip.src != 198.18.0.10')).toEqual([]);
    expect(hits('ip.proto == 4 && !(ip.src == 198.18.0.99)')).toEqual(['ipipTcp']);
    expect(hits('ip.addr != 198.18.0.10')).toEqual([]); // every crafted IPv4 frame involves the client
    expect(hits('ip.addr != 198.18.0.11 && ip.proto == 4')).toEqual([]);
    expect(hits('ip.addr != 198.18.0.11 && ip')).toHaveLength(packets.filter(({ p }) => p.layers.some((l) => l.name === 'ip')).length - 1);
    expect(hits('tcp.srcport != 54321')).toEqual(['http200', 'timeExceeded']);
  });

  it('occurrences with #', () => {
    expect(hits('ip.dst#2 == 198.18.0.100')).toEqual(['ipipTcp', 'icmpPortUnreachable', 'icmpFragNeeded', 'timeExceeded']);
    expect(hits('ip.src#1 == 198.18.0.2 && ip.proto#2 == 6')).toEqual(['ipipTcp', 'icmpFragNeeded', 'timeExceeded']);
  });

  it('strings and bytes with == and contains', () => {
    expect(hits('http.request.method == "GET"')).toEqual(['httpGet']);
    expect(hits('http.request.method == GET')).toEqual(['httpGet']);
    expect(hits('http.host contains "18.0"')).toEqual(['httpGet']);
    expect(hits('http.response.code == 200 || http.request.uri contains "index"')).toEqual(['httpGet', 'http200']);
    expect(hits('tcp.payload contains "User-Agent"')).toEqual(['httpGet']);
    expect(hits('tcp.payload contains 48:54:54:50')).toEqual(['httpGet', 'http200']);
    expect(hits('udp.payload contains "datagram"')).toEqual(['udp', 'vlanUdp', 'ipOptions']);
    expect(hits('tcp.options.sack_perm == 04:02')).toEqual(['tcpSyn']);
    expect(hits('data.data contains 2a:2a')).toEqual(['icmpEcho']);
  });

  it('precedence: not > and > or; parentheses', () => {
    expect(hits('arp || udp && vlan')).toEqual(['arpRequest', 'vlanUdp', 'arpReply']);
    expect(hits('(arp || udp) && vlan')).toEqual(['vlanUdp']);
    expect(hits('not tcp and not udp and not arp and ip')).toEqual(['icmpEcho', 'fragSecond', 'qinq']);
    expect(hits('!!arp')).toEqual(['arpRequest', 'arpReply']);
  });

  it('errors are one line naming the position', () => {
    const err = (f: string) => {
      try {
        compileFilter(f);
      } catch (e) {
        expect(e).toBeInstanceOf(DisplayFilterError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${f}`);
    };
    expect(err('tcp.prot == 80')).toBe('unknown field or protocol "tcp.prot" at position 1');
    expect(err('tcp && (udp')).toBe('missing ")" at position 12');
    expect(err('tcp)')).toBe('unmatched ")" at position 4');
    expect(err('ip.src == 1.2.3')).toBe('"1.2.3" is not an IPv4 address (ip.src) at position 11');
    expect(err('ip.src == 1.2.3.4/33')).toBe('"1.2.3.4/33" is not an IPv4 address or CIDR block (ip.src) at position 11');
    expect(err('tcp.port == http')).toBe('"http" is not a number (tcp.port) at position 13');
    expect(err('eth.src == 1.2.3.4')).toBe('"1.2.3.4" is not a MAC address (eth.src) at position 12');
    expect(err('tcp.flags.syn > 0')).toBe('tcp.flags.syn is a flag: use == or != at position 17');
    expect(err('ip.ttl contains 4')).toBe('"contains" needs a string or bytes field, ip.ttl is uint at position 17');
    expect(err('tcp ==')).toBe('tcp is a protocol: compare one of its fields at position 5');
    expect(err('ip.src ==')).toBe('expected a value after "==" at position 10');
    expect(err('http.host == "abc')).toBe('unterminated string at position 14');
    expect(err('tcp $ udp')).toBe('unexpected character "$" at position 5');
    expect(err('tcp udp')).toBe('unexpected "udp" at position 5');
    expect(err('&& tcp')).toBe('expected a field or protocol name, got "&&" at position 1');
    expect(err('ip.src#0 == 1.2.3.4')).toBe('bad occurrence "#0" (1, 2, ...) at position 1');
    expect(checkFilter('tcp or')).toBe('expected a field or protocol name at position 7');
    expect(checkFilter('tcp.port == 80')).toBeUndefined();
  });
});

describe('IPv6 fields', () => {
  const pkts = Object.fromEntries(Object.entries(CRAFTED6).map(([k, d]) => [k, decodePacket({ sec: 1, nsec: 0, len: d.length, data: d })]));
  const match = (f: string) => Object.keys(pkts).filter((k) => compileFilter(f)(pkts[k]));

  it('compares addresses in any notation, prefixes, and the either-direction ipv6.addr', () => {
    expect(match('ipv6.dst == fd00:4c42:0:0::fe && tcp.flags.syn == 1')).toEqual(['tcpSyn', 'packetTooBig', 'routing', 'ip6ip6', 'ipv6InIpv4']); // the quoted header counts, as in Wireshark
    expect(match('ipv6.src#1 == fd00:4c42::/64 && icmpv6.type == 2')).toEqual([]); // the router's own address is in the next /64
    expect(match('ipv6.src == fd00:4c42:0:1::/64')).toEqual(['packetTooBig']);
    expect(match('ipv6.addr == fd00:4c42::b && udp')).toEqual(['udp', 'portUnreachable', 'firstFragment']);
    expect(match('icmpv6.nd.ns.target_address == fd00:4c42::fe')).toEqual(['neighborSolicitation']);
    expect(match('ipv6.hlim == 255 && icmpv6')).toEqual(['neighborSolicitation', 'neighborAdvertisement']);
    expect(match('ipv6.fraghdr.more == 1')).toEqual(['firstFragment']);
    expect(() => compileFilter('ipv6.src == fd00::zz')).toThrow(/is not an IPv6 address/);
  });

  it('summarises as tcpdump does, and names the inner header of a tunnel', () => {
    expect(pkts.tcpSyn.summary).toMatch(/^IP6 fd00:4c42::a\.40000 > fd00:4c42::fe\.80: Flags \[S\]/);
    expect(pkts.neighborSolicitation.summary).toBe('IP6 fd00:4c42::a > ff02::1:ff00:fe: ICMP6, neighbor solicitation, who has fd00:4c42::fe, length 32');
    expect(pkts.packetTooBig.summary).toBe('IP6 fd00:4c42:0:1::1 > fd00:4c42::a: ICMP6, packet too big, mtu 1280, length 72');
    expect(pkts.ip6ip6.summary).toMatch(/^IP6 fd00:4c42::2 > fd00:4c42::b: IP6 fd00:4c42::a\.40000 > fd00:4c42::fe\.80: /);
    expect(pkts.ip6ip6.brief).toMatchObject({ src: 'fd00:4c42::a', dst: 'fd00:4c42::fe', outer: { src: 'fd00:4c42::2', dst: 'fd00:4c42::b', ttl: 63 } });
    for (const p of Object.values(pkts)) expect(p.error).toBeUndefined();
  });
});
