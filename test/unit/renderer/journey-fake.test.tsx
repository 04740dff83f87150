// The fake API's journey (UI work and screenshots without Docker) must look
// like a real one: on the compare template, each mode's simulated journey has
// the real journey's hops (node, direction, network, kind) and, hop by hop,
// the same changed fields, marked expected or not alike.
import { describe, expect, it } from 'vitest';
import type { Journey, Mode } from '../../../electron/api';
import { createFakeApi } from '../../e2e/fake-api';
import { simulateJourney } from '../../e2e/fake-journey';
import { compareDoc, JOURNEYS } from './journey-fixtures';

const shape = (j: Journey) => ({
  mode: j.mode,
  viaBalancer: j.response.viaBalancer,
  status: j.response.status,
  error: j.error,
  ...Object.fromEntries(
    (['request', 'response'] as const).map((leg) => [
      leg,
      j[leg].hops.map((h) => ({
        at: `${h.direction}@${h.node} ${h.kind} ${h.network}`,
        changes: h.changes.map((c) => `${c.field}${c.expected ? '' : '!'}`).sort(),
      })),
    ]),
  ),
});
/** the backend is picked per request: name it `web` on both sides */
const anyServer = (s: ReturnType<typeof shape>) => JSON.parse(JSON.stringify(s).replace(/web\d/g, 'web'));

describe('the fake journey', () => {
  for (const mode of ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7'] as const satisfies Mode[]) {
    it(`${mode}: has the real journey's hops and changes`, async () => {
      const api = createFakeApi({ stepMs: 0 });
      const doc = compareDoc();
      await api.deploy(doc);
      await api.setMode(doc.name, 'web', mode);
      const fake = simulateJourney(await api.status(doc.name), { from: 'client1' }, { clientPort: 40123 });
      expect(anyServer(shape(fake))).toEqual(anyServer(shape(JOURNEYS[mode]())));
      expect(fake.request.hops.map((h) => h.t)).toEqual([...fake.request.hops.map((h) => h.t)].sort((a, b) => a - b));
      expect(fake.client).toMatchObject({ node: 'client1', port: 40123 });
      expect(fake.backend).toMatch(/^web\d$/);
    });
  }

  it('refuses what the real engine refuses, in one line', async () => {
    const api = createFakeApi({ stepMs: 0 });
    const doc = compareDoc();
    expect(() => simulateJourney({ name: 'x', state: 'absent', networks: [], nodes: [], services: [] }, {})).toThrow('no lab named x');
    await api.deploy(doc);
    const st = await api.status(doc.name);
    expect(() => simulateJourney(st, { from: 'lb' })).toThrow('node lb of lab compare is a balancer, not a client: a journey starts at a client');
    expect(() => simulateJourney(st, { service: 'api' })).toThrow('lab compare has no service named api');
  });
});
