// Flow lifetimes are written once, in seconds, in the contract
// (DEFAULT_FLOW_TIMEOUTS); the agent turns them into ticks of the data plane's
// clock for lb_timeouts. The eBPF core keeps the same defaults in ticks for
// when no timeouts are written yet (core/flow.h TO_*_DEF) and its tick as a
// shift (LB_TICK_SHIFT). C cannot import TS: fail when they differ.
import { describe, expect, it } from 'vitest';
import { TICK_NS, flowTimeoutsValue, readLe, ticksOf } from '../../../lab-images/balancer/agent/dataplane-abi';
import { DEFAULT_FLOW_TIMEOUTS } from '../../../lab-images/balancer/contract/config';
import { SNAT_REST_S } from '../../../lab-images/balancer/contract/snat';
import { cDefines, coreHeader, structFields } from './c-header';

/** Each contract lifetime and its field of struct flow_timeouts (abi.h), in the struct's order. */
const FIELDS = { tcpSyn: 'tcp_syn', tcpEstablished: 'tcp_est', tcpFin: 'tcp_fin', tcpClosed: 'tcp_closed', udp: 'udp' } as const;
type Lifetime = keyof typeof FIELDS;
const defaultName = (k: Lifetime) => `TO_${FIELDS[k].toUpperCase()}_DEF`;

/** What flow.h says that the contract and the agent do not. */
function mismatches(flowH: string, seconds: Record<Lifetime, number> = DEFAULT_FLOW_TIMEOUTS): string[] {
  const d = cDefines(flowH);
  const shift = d.get('LB_TICK_SHIFT');
  const out = shift === undefined ? ['LB_TICK_SHIFT: not #defined in flow.h'] : 2 ** shift === TICK_NS ? [] : [`LB_TICK_SHIFT: flow.h ticks 2^${shift} ns, the agent ${TICK_NS} ns`];
  for (const k of Object.keys(FIELDS) as Lifetime[]) {
    const c = d.get(defaultName(k));
    const want = ticksOf(seconds[k]);
    if (c === undefined) out.push(`${defaultName(k)}: not #defined in flow.h`);
    else if (c !== want) out.push(`${defaultName(k)}: flow.h says ${c} ticks, the contract's ${k} ${seconds[k]} s is ${want}`);
  }
  return out;
}

describe('flow lifetimes: contract seconds vs core/flow.h ticks', () => {
  const flowH = coreHeader('flow.h');

  it("the core's default lifetimes are the contract's, in the agent's ticks", () => {
    expect(mismatches(flowH)).toEqual([]);
  });

  it('the agent writes them in the order of struct flow_timeouts, then how long a snat port rests', () => {
    expect(structFields(coreHeader('abi.h'), 'flow_timeouts')).toEqual([...Object.values(FIELDS), 'snat_rest']);
    const distinct = { tcpSyn: 10, tcpEstablished: 20, tcpFin: 30, tcpClosed: 40, udp: 50 };
    const bytes = flowTimeoutsValue(distinct);
    const written = Object.keys(FIELDS).map((_, i) => readLe(bytes, 4 * i, 4));
    expect(written).toEqual((Object.keys(FIELDS) as Lifetime[]).map((k) => ticksOf(distinct[k])));
    expect(readLe(bytes, 20, 4)).toBe(ticksOf(SNAT_REST_S));
    expect(readLe(flowTimeoutsValue(distinct, 7), 20, 4)).toBe(ticksOf(7));
  });

  it("the core's default snat rest is the contract's, in ticks", () => {
    expect(cDefines(flowH).get('SNAT_REST_DEF')).toBe(ticksOf(SNAT_REST_S));
  });

  it('a header or a contract that diverges is caught', () => {
    const changed = flowH.replace(/^(#define\s+TO_TCP_EST_DEF\s+)\d+/m, '$1300');
    expect(mismatches(changed)).toEqual([`TO_TCP_EST_DEF: flow.h says 300 ticks, the contract's tcpEstablished ${DEFAULT_FLOW_TIMEOUTS.tcpEstablished} s is ${ticksOf(DEFAULT_FLOW_TIMEOUTS.tcpEstablished)}`]);
    expect(mismatches(flowH.replace(/^#define\s+TO_UDP_DEF\b.*$/m, ''))).toEqual(['TO_UDP_DEF: not #defined in flow.h']);
    expect(mismatches(flowH.replace(/^(#define\s+LB_TICK_SHIFT\s+)\d+/m, '$120'))).toEqual([`LB_TICK_SHIFT: flow.h ticks 2^20 ns, the agent ${TICK_NS} ns`]);
    expect(mismatches(flowH, { ...DEFAULT_FLOW_TIMEOUTS, udp: 60 })).toEqual([`TO_UDP_DEF: flow.h says 28 ticks, the contract's udp 60 s is ${ticksOf(60)}`]);
  });
});
