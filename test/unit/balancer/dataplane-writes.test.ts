// The map writes of one service apply: order, and the Maglev table written as
// a diff (a first apply writes every slot, a health change only what moved).
import { describe, expect, it } from 'vitest';
import { bpftoolLines, perlInput } from '../../../lab-images/balancer/agent/bpf-tool';
import { MAPS, RING_SIZE } from '../../../lab-images/balancer/agent/dataplane-abi';
import { serviceWrites, type DpService } from '../../../lab-images/balancer/agent/dataplane';
import { maglevTable } from '../../../lab-images/balancer/agent/maglev';

const path = (m: string) => `/sys/fs/bpf/t/maps/${m}`;
const backends = [1, 2, 3].map((id) => ({ id, address: `198.18.0.${10 + id}`, mac: `02:00:00:00:00:0${id}`, weight: 1, healthy: true }));
const entry = (b: (typeof backends)[number]) => ({
  address: b.address, srcAddress: '198.18.0.2', ifindex: 2, svcId: 1, weight: 1, nhMac: b.mac, srcMac: '02:00:00:00:00:aa', flags: 3,
});
function service(healthy: boolean[]): DpService {
  const bs = backends.map((b, i) => ({ ...b, healthy: healthy[i] }));
  return {
    id: 1, vip: '198.18.0.100', port: 80, proto: 'tcp', mode: 'dsr', scheduler: 'maglev', backends: bs,
    table: maglevTable(bs.filter((b) => b.healthy).map((b) => ({ id: b.id, key: b.address, weight: b.weight }))),
  };
}

describe('service map writes', () => {
  const all = service([true, true, true]);

  it('a first apply writes backends, then the whole table, then the service and its VIP marker', () => {
    const w = serviceWrites(path, undefined, all, all.backends.map(entry));
    expect(w.ops.map((o) => `${o.op} ${o.map.split('/').pop()}`)).toEqual([
      `update ${MAPS.backends}`, `update ${MAPS.svcBackends}`, `update ${MAPS.ring}`, `update ${MAPS.services}`,
    ]);
    expect(w.updates(path(MAPS.backends))).toBe(3);
    expect(w.updates(path(MAPS.ring))).toBe(RING_SIZE);
    expect(w.updates(path(MAPS.services))).toBe(2);
    const ring = w.ops[2];
    if (ring.op !== 'update') throw new Error('not an update');
    // keys svc*RING_SIZE+i, values the table, u32 each
    expect(ring.keys.readUInt32LE(4 * 5)).toBe(RING_SIZE + 5);
    expect(ring.values.readUInt32LE(4 * 5)).toBe(all.table[5]);
  });

  it('the same service again writes no table slot', () => {
    expect(serviceWrites(path, all, all, all.backends.map(entry)).updates(path(MAPS.ring))).toBe(0);
  });

  it('a health change writes only the slots Maglev moved, not the whole table', () => {
    const down = service([false, true, true]);
    const w = serviceWrites(path, all, down, down.backends.map(entry));
    const moved = all.table.filter((id, i) => down.table[i] !== id).length;
    expect(w.updates(path(MAPS.ring))).toBe(moved);
    expect(moved).toBeGreaterThan(RING_SIZE / 4); // backend 1's share moves ...
    expect(moved).toBeLessThan(RING_SIZE / 2); // ... and little else
    expect(w.updates(path(MAPS.backends))).toBe(3); // its health flag
  });

  it('a snat service writes its address pool before the service that names it (snatAddress first)', () => {
    const snat: DpService = { ...all, mode: 'snat', snatAddress: '198.18.0.2', snatAddresses: ['198.18.0.2', '198.18.0.250'] };
    const w = serviceWrites(path, undefined, snat, snat.backends.map(entry));
    const names = w.ops.map((o) => o.map.split('/').pop());
    expect(names.indexOf(MAPS.snatPool)).toBeGreaterThan(-1);
    expect(names.indexOf(MAPS.snatPool)).toBeLessThan(names.indexOf(MAPS.services));
    const lines = bpftoolLines(w.ops).filter((l) => l.includes(MAPS.snatPool));
    // n = 2, then 198.18.0.2, 198.18.0.250, the rest zero
    expect(lines).toEqual([expect.stringMatching(/key hex 01 00 00 00 value hex 02 00 00 00 c6 12 00 02 c6 12 00 fa 00 00 00 00/)]);
    // alone: a pool of its snatAddress
    const one = serviceWrites(path, undefined, { ...snat, snatAddresses: undefined }, snat.backends.map(entry));
    expect(bpftoolLines(one.ops).filter((l) => l.includes(MAPS.snatPool))).toEqual([expect.stringMatching(/value hex 01 00 00 00 c6 12 00 02 00 00 00 00/)]);
  });

  it('a tunnel over IPv6 writes its backends\' IPv6 addresses before the entries whose flag sends there, and no IPv6 service', () => {
    const t: DpService = { ...all, mode: 'tunnel', underlay: 'ipv6', backends: all.backends.map((b) => ({ ...b, address6: `fd00:4c42::${b.id}` })) };
    const w = serviceWrites(path, undefined, t, t.backends.map((b) => ({ ...entry(b), srcAddress6: 'fd00:4c42::2' })));
    const names = w.ops.map((o) => o.map.split('/').pop());
    expect(names.slice(0, 2)).toEqual([MAPS.backends6, MAPS.backends]);
    expect(w.updates(path(MAPS.backends6))).toBe(3);
    expect(names).not.toContain(MAPS.services6);
    // an IPv4-only service writes none
    expect(serviceWrites(path, undefined, all, all.backends.map(entry)).ops.map((o) => o.map.split('/').pop())).not.toContain(MAPS.backends6);
  });

  it('a moved VIP deletes the old service key before writing the new one', () => {
    const moved = { ...all, vip: '198.18.0.101' };
    const w = serviceWrites(path, all, moved, all.backends.map(entry));
    expect(w.ops.map((o) => o.op)).toEqual(['update', 'update', 'delete', 'update']);
  });
});

describe('map write encodings', () => {
  const all = service([true, true, true]);
  const ops = serviceWrites(path, undefined, all, all.backends.map(entry)).ops;

  it('bpftool batch lines name the pinned map with hex bytes', () => {
    const lines = bpftoolLines(ops);
    expect(lines).toHaveLength(3 + 1 + RING_SIZE + 2);
    expect(lines[4]).toBe(`map update pinned ${path(MAPS.ring)} key hex 01 00 01 00 value hex ${[all.table[0], 0, 0, 0].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  });

  it('the perl writer gets one header line and the raw keys and values per batch', () => {
    const buf = perlInput(ops);
    const header = `U ${path(MAPS.ring)} ${RING_SIZE} 4 4\n`;
    const at = buf.indexOf(header);
    expect(at).toBeGreaterThan(0);
    expect(buf.readUInt32LE(at + header.length)).toBe(RING_SIZE); // first key: svc 1, slot 0
    expect(buf.readUInt32LE(at + header.length + 4 * RING_SIZE)).toBe(all.table[0]); // first value
    expect(buf.subarray(0, 40).toString()).toMatch(/^U \/sys\/fs\/bpf\/t\/maps\/lb_backends 3 4 36\n/);
  });
});
