// What the balancer must not touch, and what it must survive: non-VIP
// traffic, ARP, ICMP, fragments (more in fragments.test.ts), IP options,
// truncated and malformed frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_OK, TC_ACT_REDIRECT, TC_ACT_SHOT, delta, skipReason, tryRunProg } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, VIP, service } from './fixtures';
import { TCP, arpFrame, buildFrame, csum, parseFrame } from '../support/bpf/packet';
import { buildFrame6 } from '../support/bpf/packet6';

const skip = skipReason();

describe('robustness', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('rob');
    await lab.dp.applyService(service({ id: 1, mode: 'nat' }));
  });
  afterAll(async () => { await lab?.stop(); });

  const untouched = async (f: Buffer, extra: Record<string, number> = {}) => {
    const r = await lab.runCounted(f);
    expect(r.retval).toBe(TC_ACT_OK);
    expect(r.out.equals(f)).toBe(true);
    expect(r.d).toEqual({ rx: 1, pass: 1, ...extra });
  };

  it('ARP passes untouched', () => untouched(arpFrame()));
  it('IPv6 to an address that is no VIP passes untouched', () =>
    untouched(buildFrame6({ proto: 'tcp', src: 'fd00:18::50', dst: 'fd00:18::2', sport: 1234, dport: 80 })));
  it('TCP to a non-VIP passes untouched', () =>
    untouched(buildFrame({ proto: 'tcp', src: CLIENT, dst: '198.18.0.2', sport: 1234, dport: 80 })));
  it('TCP to the VIP on a port without a service passes', () =>
    untouched(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 1234, dport: 81 })));
  it('ICMP echo to the VIP passes (the balancer answers) and is counted', () =>
    untouched(buildFrame({ proto: 'icmp', src: CLIENT, dst: VIP }), { icmp_vip: 1 }));
  it('ICMP to another address passes, not counted as VIP', () =>
    untouched(buildFrame({ proto: 'icmp', src: CLIENT, dst: '198.18.0.2' })));

  it('fragments to the VIP: a first one is balanced by its ports, a later one without it is dropped (frag)', async () => {
    const first = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 6000, dport: 80, mf: true, df: false }));
    expect(first.retval).toBe(TC_ACT_REDIRECT);
    expect(first.d).toMatchObject({ nat_fwd: 1, frag_first: 1 });
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, dport: 80, fragOffset: 185, df: false, id: 0x999 }));
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.frag': 1 });
  });
  it('fragments to other hosts pass', () =>
    untouched(buildFrame({ proto: 'udp', src: CLIENT, dst: '198.18.0.2', mf: true, df: false })));

  it('IP options: the L4 header is found behind them and the packet is balanced', async () => {
    // record-route style option (NOP NOP NOP EOL) + a 4-byte timestamp-like blob
    const options = Buffer.from([1, 1, 1, 1, 0x44, 4, 5, 0]);
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 7777, dport: 80, options }));
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const p = parseFrame(r.out);
    expect(p.ip.ihl).toBe(28);
    expect(r.out.subarray(34, 42).equals(options)).toBe(true);
    expect(p.ip.headerOk && p.l4!.csumOk).toBe(true);
    expect(r.d.ip_options).toBe(1);
    expect(r.d.nat_fwd).toBe(1);
  });

  it('truncated frames, cut at every offset 0..54: never a crash, dropped with reason', async () => {
    const full = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 9999, dport: 80, flags: TCP.SYN });
    const before = await lab.stats();
    // BPF_PROG_TEST_RUN itself refuses frames it cannot build an skb from
    // (shorter than Ethernet, or an IPv4 ethertype without a full IPv4
    // header): EINVAL, the program never runs. Every other cut runs and
    // must be dropped as truncated.
    let ran = 0;
    for (let n = 0; n <= 54; n++) {
      const r = tryRunProg(lab.dp.progPath, full.subarray(0, n));
      if ('error' in r) {
        expect(n).toBeLessThan(34);
        expect(r.error).toMatch(/Invalid argument/);
        continue;
      }
      ran++;
      expect(r.retval, `cut at ${n}`).toBe(TC_ACT_SHOT);
    }
    expect(ran).toBeGreaterThanOrEqual(21); // 34..54 at least
    expect(delta(before, await lab.stats())).toEqual({ rx: ran, 'drop.truncated': ran });
  });

  it('IPv4 header says more than the frame has: truncated, not read past', async () => {
    const f = buildFrame({ proto: 'udp', src: CLIENT, dst: VIP, dport: 80 });
    const r = await lab.runCounted(f.subarray(0, f.length - 5));
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.truncated': 1 });
  });

  const mangle = (fn: (ip: Buffer) => void): Buffer => {
    const f = Buffer.from(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, dport: 80 }));
    const ip = f.subarray(14);
    fn(ip);
    ip.writeUInt16BE(0, 10);
    ip.writeUInt16BE(csum(ip.subarray(0, 20)), 10);
    return f;
  };
  for (const [name, fn, reason] of [
    ['version 6 in an IPv4 frame', (ip: Buffer) => { ip[0] = 0x65; }, 'bad_ip'],
    ['IHL 4 (< 20 bytes)', (ip: Buffer) => { ip[0] = 0x44; }, 'bad_ip'],
    ['IHL 0', (ip: Buffer) => { ip[0] = 0x40; }, 'bad_ip'],
    ['IHL 15: L4 header would start past the data', (ip: Buffer) => { ip[0] = 0x4f; }, 'truncated'],
    ['IHL 15 beyond the total length', (ip: Buffer) => { ip[0] = 0x4f; ip.writeUInt16BE(40, 2); }, 'bad_ip'],
    ['total length < header', (ip: Buffer) => { ip.writeUInt16BE(12, 2); }, 'bad_ip'],
    ['total length 65535', (ip: Buffer) => { ip.writeUInt16BE(65535, 2); }, 'truncated'],
  ] as [string, (ip: Buffer) => void, string][]) {
    it(`malformed: ${name} -> drop ${reason}`, async () => {
      const r = await lab.runCounted(mangle(fn));
      expect(r.retval).toBe(TC_ACT_SHOT);
      expect(r.d).toEqual({ rx: 1, [`drop.${reason}`]: 1 });
    });
  }
});
