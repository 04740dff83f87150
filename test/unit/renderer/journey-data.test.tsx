// The packet journey shaped for the UI, on real journeys of each mode: the
// cards' marked fields, the verdict in words, the path as canvas edges.
import { describe, expect, it } from 'vitest';
import type { Journey } from '../../../electron/api';
import {
  edgeKey,
  fmtMicros,
  hopCards,
  journeyCards,
  journeyHighlight,
  journeyMeta,
  journeyRows,
  litEdges,
  litElements,
  nodePath,
  verdict,
  type FieldRow,
  type HopCard,
} from '../../../renderer/lib/journey-data';
import { compareDoc, JOURNEYS, VXLAN_JOURNEY } from './journey-fixtures';

const row = (card: HopCard, field: string): FieldRow => {
  const r = card.rows.find((x) => x.field === field);
  if (!r) throw new Error(`${card.node}/${card.iface}: no row ${field}`);
  return r;
};
/** field → mark of the rows that are not unchanged */
const marked = (card: HopCard) => Object.fromEntries(card.rows.filter((r) => r.mark !== 'same').map((r) => [r.field, r.mark]));
const cardAt = (cards: HopCard[], node: string, direction: 'in' | 'out') => {
  const c = cards.find((x) => x.node === node && x.direction === direction);
  if (!c) throw new Error(`no card ${direction}@${node}`);
  return c;
};

describe('journey cards', () => {
  it('dsr: one card per hop in order, the balancer rewriting only eth.dst', () => {
    const j = JOURNEYS.dsr();
    const { request, response } = journeyCards(j);
    expect(request.map((c) => `${c.index} ${c.direction}@${c.node}/${c.iface} ${c.network}`)).toEqual(['1 out@client1/eth0 front', '2 in@lb/eth1 front', '3 out@lb/eth0 back', '4 in@web3/eth0 back']);
    expect(response.map((c) => `${c.direction}@${c.node}`)).toEqual(['out@web3', 'in@r1', 'out@r1', 'in@client1']);
    expect(request.map((c) => c.t)).toEqual(j.request.hops.map((h) => h.t));

    const lb = cardAt(request, 'lb', 'out');
    expect(marked(lb)).toEqual({ 'eth.src': 'expected', 'eth.dst': 'rewrite' });
    expect(lb.badge).toBe('rewritten by dsr');
    expect(row(lb, 'eth.dst')).toMatchObject({ value: '02:42:c6:12:ed:06', from: '02:42:c6:12:ec:02', why: "dsr: lb rewrites only the destination MAC, to the chosen server's" });
    expect(row(lb, 'eth.src').why).toBe("a frame leaving lb carries lb's own MAC as source");
    // the first hop has nothing to compare with; the link in between changes nothing
    expect(marked(request[0])).toEqual({});
    expect(marked(cardAt(request, 'web3', 'in'))).toEqual({});
    expect(request[0].badge).toBeUndefined();

    // the router does only what any forwarding hop does: all dimmed, no badge
    const r1 = cardAt(response, 'r1', 'out');
    expect(marked(r1)).toEqual({ 'eth.src': 'expected', 'eth.dst': 'expected', 'ip.ttl': 'expected', 'ip.checksum': 'expected' });
    expect(row(r1, 'ip.ttl')).toMatchObject({ value: '63', from: '64', why: 'r1 forwarded the packet: TTL decremented' });
    expect(r1.badge).toBeUndefined();
  });

  it('shows the same rows on every card, with the outer header only for encapsulation and tcp.stream only for proxies', () => {
    const base = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'ip.ttl', 'ip.checksum', 'tcp.checksum'];
    expect(journeyRows(JOURNEYS.dsr())).toEqual(base);
    expect(journeyRows(JOURNEYS.snat())).toEqual(base);
    expect(journeyRows(JOURNEYS.tunnel())).toEqual(['eth.src', 'eth.dst', 'encap', 'outer.ip.src', 'outer.ip.dst', ...base.slice(2)]);
    expect(journeyRows(JOURNEYS.l4proxy())).toEqual([...base.slice(0, 6), 'tcp.stream', ...base.slice(6)]);
    const { request, response } = journeyCards(JOURNEYS.tunnel());
    for (const c of [...request, ...response]) expect(c.rows.map((r) => r.field)).toEqual(journeyRows(JOURNEYS.tunnel()));
  });

  it('tunnel: the outer header appears as added fields on the balancer, then travels unchanged', () => {
    const { request, response } = journeyCards(JOURNEYS.tunnel());
    const lb = cardAt(request, 'lb', 'out');
    expect(lb.badge).toBe('wrapped by tunnel');
    expect(marked(lb)).toEqual({ encap: 'added', 'outer.ip.src': 'added', 'outer.ip.dst': 'added', 'eth.src': 'expected', 'eth.dst': 'expected' });
    expect(row(lb, 'outer.ip.src').value).toBe('198.18.237.2');
    expect(row(lb, 'outer.ip.dst').value).toBe('198.18.237.4');
    expect(row(lb, 'encap')).toMatchObject({ value: 'ipip', from: '—' });
    // the inner header is untouched
    expect(row(lb, 'ip.dst')).toMatchObject({ value: '198.18.236.254', mark: 'same' });
    const web1 = cardAt(request, 'web1', 'in');
    expect(row(web1, 'outer.ip.dst')).toMatchObject({ value: '198.18.237.4', mark: 'same' });
    // before the balancer and on the way back there is no outer header
    expect(row(request[0], 'outer.ip.src').value).toBe('—');
    expect(response.every((c) => row(c, 'encap').value === '—')).toBe(true);
  });

  it('snat: addresses and the source port rewritten, checksums following', () => {
    const { request, response } = journeyCards(JOURNEYS.snat());
    expect(marked(cardAt(request, 'lb', 'out'))).toEqual({
      'eth.src': 'expected', 'eth.dst': 'expected', 'ip.src': 'rewrite', 'ip.dst': 'rewrite', 'tcp.srcport': 'rewrite', 'ip.checksum': 'expected', 'tcp.checksum': 'expected',
    });
    const back = cardAt(response, 'lb', 'out');
    expect(row(back, 'tcp.dstport')).toMatchObject({ mark: 'rewrite', from: '19008', value: '42796' });
    expect(row(back, 'ip.src').value).toBe('198.18.236.254');
    expect(back.badge).toBe('rewritten by snat');
  });

  for (const mode of ['l4proxy', 'l7'] as const) {
    it(`${mode}: the proxy's own connection is another tcp.stream, its addresses and ports part of it`, () => {
      const j = JOURNEYS[mode]();
      const { request, response } = journeyCards(j);
      expect(request.map((c) => row(c, 'tcp.stream').value)).toEqual(['0', '0', '1', '1']);
      expect(response.map((c) => row(c, 'tcp.stream').value)).toEqual(['1', '1', '0', '0']);
      const lb = cardAt(request, 'lb', 'out');
      expect(lb.badge).toBe(`relayed by ${mode}`);
      const why = j.request.hops[2].changes[0].why;
      expect(row(lb, 'tcp.stream')).toMatchObject({ mark: 'rewrite', from: '0', value: '1', why });
      expect(row(lb, 'tcp.stream').detail).toMatch(/^198\.18\.237\.2:\d+ > 198\.18\.237\.4:80$/);
      for (const f of ['ip.src', 'ip.dst', 'tcp.srcport']) expect(row(lb, f)).toMatchObject({ mark: 'rewrite', why });
      expect(row(lb, 'tcp.dstport').mark).toBe('same'); // 80 on both connections
      expect(row(lb, 'eth.dst')).toMatchObject({ mark: 'expected', why: "a new packet on lb's own connection" });
      expect(marked(cardAt(request, 'web1', 'in'))).toEqual({});
    });
  }

  it('marks a header taken off as removed', () => {
    const j = JOURNEYS.tunnel();
    // a made-up decapsulating hop after the server's
    const last = j.request.hops[3];
    j.request.hops.push({ ...last, node: 'web1', iface: 'tunl0', changes: [{ field: 'encap', from: 'ipip', to: null, expected: false, why: 'web1 takes the outer IPv4 header off' }], fields: { ...last.fields, encap: null } });
    const cards = hopCards(j, 'request');
    const off = cards[cards.length - 1];
    expect(row(off, 'encap')).toMatchObject({ mark: 'removed', value: '—', from: 'ipip' });
    expect(off.badge).toBe('unexpected change at web1');
  });
});

describe('journey verdict', () => {
  it('puts each mode in words, from the real journeys', () => {
    expect(verdict(JOURNEYS.dsr())).toBe('dsr: lb rewrote only eth.dst; the response went web3 → r1 → client1 and did not cross the balancer.');
    expect(verdict(JOURNEYS.tunnel())).toBe(
      'tunnel: lb wrapped the packet in an outer IPv4 header (198.18.237.2 → 198.18.237.4); the response went web1 → r1 → client1 and did not cross the balancer.',
    );
    expect(verdict(JOURNEYS.snat())).toBe(
      'snat: lb rewrote ip.src, ip.dst and tcp.srcport; the response went web2 → lb → client1, back through the balancer, where lb rewrote ip.src, ip.dst and tcp.dstport.',
    );
    for (const mode of ['l4proxy', 'l7'] as const) {
      const j = JOURNEYS[mode]();
      const conn = j.request.hops[2].changes[0].to;
      expect(verdict(j)).toBe(
        `${mode}: lb relayed the request on its own TCP connection (${conn}); the response went web1 → lb → client1, back through the balancer, where lb relayed it on the client's connection.`,
      );
    }
  });

  it('says what is missing when the journey is incomplete', () => {
    const noResponse: Journey = { ...JOURNEYS.dsr(), error: 'the request got no response (curl: (28) timeout)' };
    noResponse.response = { hops: [], viaBalancer: false };
    expect(verdict(noResponse)).toBe('dsr: lb rewrote only eth.dst; no response was seen.');
    const nothing: Journey = { ...noResponse, request: { ...noResponse.request, hops: [] } };
    expect(verdict(nothing)).toBe('dsr: the request was not seen on any interface.');
    // forwarding only (no change of the mode's own)
    const plain = JOURNEYS.dsr();
    plain.request.hops[2].changes = plain.request.hops[2].changes.filter((c) => c.expected);
    expect(verdict(plain)).toMatch(/^dsr: nothing rewrote the request on its way to web3 \(forwarding only\); the response went/);
  });

  it('says who sent what where, who answered and how long it took', () => {
    expect(journeyMeta(JOURNEYS.dsr())).toBe('web: client1 (198.18.236.4:37428) → 198.18.236.254:80 · served by web3 · HTTP 200 · round trip 221.0 µs');
    expect(journeyMeta(JOURNEYS.l4proxy())).toMatch(/round trip 2\.06 ms$/);
  });

  it('formats times and paths', () => {
    expect([0, 23.615, 999.94, 1844.441, 25_000, 2_100_000].map(fmtMicros)).toEqual(['0 µs', '23.6 µs', '999.9 µs', '1.84 ms', '25.0 ms', '2.1 s']);
    expect(nodePath(JOURNEYS.snat().response.hops)).toEqual(['web2', 'lb', 'client1']);
  });
});

describe('journey on the canvas', () => {
  const uses = (m: ReturnType<typeof litEdges>, node: string, network: string) =>
    (m.get(edgeKey(node, network))?.uses ?? []).map((u) => `${u.leg} ${u.step} ${u.toNetwork ? 'in' : 'out'}`).sort();

  it('dsr: lights client1–front–lb–back–web3 for the request and web3–back–r1–front–client1 for the response, never the balancer', () => {
    const h = journeyHighlight(JOURNEYS.dsr());
    expect(h.steps.map((s) => `${s.leg} ${s.step}: ${s.from.node} -${s.from.network}-> ${s.to.node}`)).toEqual([
      'request 1: client1 -front-> lb',
      'request 2: lb -back-> web3',
      'response 1: web3 -back-> r1',
      'response 2: r1 -front-> client1',
    ]);
    const edges = litEdges(h, compareDoc());
    // toNetwork: the frame went node → network on that link ("in" to the network)
    expect(uses(edges, 'client1', 'front')).toEqual(['request 1 in', 'response 2 out']);
    expect(uses(edges, 'lb', 'front')).toEqual(['request 1 out']);
    expect(uses(edges, 'lb', 'back')).toEqual(['request 2 in']);
    expect(uses(edges, 'web3', 'back')).toEqual(['request 2 out', 'response 1 in']);
    expect(uses(edges, 'r1', 'back')).toEqual(['response 1 out']);
    expect(uses(edges, 'r1', 'front')).toEqual(['response 2 in']);
    expect(edges.has(edgeKey('web1', 'back'))).toBe(false);
    const { nodes, networks } = litElements(h, edges);
    expect([...(nodes.get('lb') ?? [])]).toEqual(['request']);
    expect([...(nodes.get('r1') ?? [])]).toEqual(['response']);
    expect([...(nodes.get('client1') ?? [])].sort()).toEqual(['request', 'response']);
    expect([...(networks.get('back') ?? [])].sort()).toEqual(['request', 'response']);
    expect(nodes.has('web1')).toBe(false);
  });

  it('snat: both legs cross the balancer', () => {
    const edges = litEdges(journeyHighlight(JOURNEYS.snat()), compareDoc());
    expect(uses(edges, 'lb', 'front')).toEqual(['request 1 out', 'response 2 in']);
    expect(uses(edges, 'lb', 'back')).toEqual(['request 2 in', 'response 1 out']);
    expect(edges.has(edgeKey('r1', 'front'))).toBe(false);
  });

  it('finds the network two nodes share when a hop does not name it, and skips links the canvas does not have', () => {
    const j = JOURNEYS.dsr();
    for (const h of j.request.hops) delete h.network;
    const doc = compareDoc();
    const edges = litEdges(journeyHighlight(j), doc);
    expect(uses(edges, 'lb', 'front')).toEqual(['request 1 out']);
    expect(uses(edges, 'web3', 'back')).toEqual(['request 2 out', 'response 1 in']);
    // a canvas without web3 (another document): nothing drawn for it
    delete doc.nodes.web3;
    const other = litEdges(journeyHighlight(JOURNEYS.dsr()), doc);
    expect(other.has(edgeKey('web3', 'back'))).toBe(false);
    expect(uses(other, 'lb', 'back')).toEqual(['request 2 in']);
  });
});

describe('a journey across two hosts (VXLAN between them)', () => {
  const j = VXLAN_JOURNEY();

  it('rows: encap and the hosts\' header, no IPIP rows', () => {
    expect(journeyRows(j)).toEqual(['eth.src', 'eth.dst', 'encap', 'underlay.ip.src', 'underlay.ip.dst', 'underlay.udp.dstport', 'vxlan.vni', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'ip.ttl', 'ip.checksum', 'tcp.checksum']);
    expect(journeyRows(JOURNEYS.tunnel())).not.toContain('vxlan.vni');
  });

  it('cards: the hosts\' hops between the nodes, the VXLAN header expected and no badge', () => {
    const { request, response } = journeyCards(j);
    expect(request.map((c) => `${c.node}${c.underlay ? ' (underlay)' : ''}@${c.host}`)).toEqual(['client1@a', 'a (underlay)@a', 'b (underlay)@b', 'web1@b']);
    expect(response.map((c) => c.node)).toEqual(['web1', 'b', 'a', 'client1']);
    expect(marked(request[1])).toEqual({ encap: 'expected', 'underlay.ip.src': 'expected', 'underlay.ip.dst': 'expected', 'underlay.udp.dstport': 'expected', 'vxlan.vni': 'expected' });
    expect(marked(request[2])).toEqual({});
    expect(marked(request[3])).toEqual({ encap: 'expected' });
    expect(row(request[3], 'encap')).toMatchObject({ value: '—', from: 'vxlan' });
    expect(request.every((c) => c.badge === undefined)).toBe(true);
  });

  it('path and facts: the nodes only, one network crossing each way, the hosts crossed', () => {
    expect(nodePath(j.request.hops)).toEqual(['client1', 'web1']);
    expect(journeyHighlight(j).steps.map((s) => `${s.leg} ${s.from.node}>${s.to.node} ${s.from.network}`)).toEqual(['request client1>web1 wide', 'response web1>client1 wide']);
    expect(journeyMeta(j)).toMatch(/ · across hosts a → b · /);
    expect(journeyMeta(JOURNEYS.dsr())).not.toMatch(/across hosts/);
  });
});
