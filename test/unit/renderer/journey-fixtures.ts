// Real journeys from a compare lab (client1 on front; lb and r1 on front and
// back; web1..3 on back), as `lblab journey --json` printed them, one per mode.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journey, LabDoc } from '../../../electron/api';
import { parseLabText } from '../../../electron/engine/topology';
import dsr from './journey-fixtures/dsr.json';
import l4proxy from './journey-fixtures/l4proxy.json';
import l7 from './journey-fixtures/l7.json';
import snat from './journey-fixtures/snat.json';
import tunnel from './journey-fixtures/tunnel.json';
import vxlan from './journey-fixtures/vxlan.json';

/** A fresh copy (tests may change it). */
const typed = (j: unknown): (() => Journey) => () => structuredClone(j) as Journey;
export const JOURNEYS = { dsr: typed(dsr), tunnel: typed(tunnel), snat: typed(snat), l4proxy: typed(l4proxy), l7: typed(l7) };
/** Across two hosts (a, b) on real VXLAN traffic: client1 on a sends to web1 on b (decoded from test/unit/capture/fixtures). */
export const VXLAN_JOURNEY = typed(vxlan);

/** The compare template the journeys ran on. */
export function compareDoc(): LabDoc {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/compare.lab.yaml');
  const r = parseLabText(fs.readFileSync(file, 'utf8'));
  if (!r.doc) throw new Error(`labs/compare.lab.yaml: ${r.issues[0]?.message}`);
  return r.doc;
}
