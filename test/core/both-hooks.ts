// One frame through a tc lab and an XDP lab set up alike: the same bytes out,
// the same counters moved. The verdict is what legitimately differs: tc
// redirects; XDP sends it back out of lo, where test-run's frames arrive and
// every egress of the fixture lab is.
import { expect } from 'vitest';
import { CLIENT_IFINDEX } from './fixtures';
import { TC_ACT_REDIRECT, XDP, type Lab } from '../support/bpf/harness';

export async function throughBothHooks(tc: Lab, xdp: Lab, frame: Buffer): Promise<Awaited<ReturnType<Lab['runCounted']>>> {
  const t = await tc.runCounted(frame, CLIENT_IFINDEX);
  const x = await xdp.runCountedAtXdp(frame);
  expect(t.retval).toBe(TC_ACT_REDIRECT);
  expect(x.retval).toBe(XDP.TX);
  expect(x.out.toString('hex')).toBe(t.out.toString('hex'));
  expect(x.d).toEqual(t.d);
  return t;
}
