// The doctor's test lab planned in a mode, and the looks recorded from it
// running (fixtures/<mode>-<node>.txt: the output of LOOK_SCRIPT), to edit into faults.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { LabDoc, Mode } from '../../../electron/api';
import { parseLook, type NodeLook } from '../../../electron/engine/doctor/look';
import type { CheckContext } from '../../../electron/engine/doctor/checks/index';
import { planLab } from '../../../electron/engine/topology';

const here = path.dirname(new URL(import.meta.url).pathname);
const LAB = path.join(here, '../../integration/fixtures/doctor.lab.yaml');

export function labDoc(mode: Mode): LabDoc {
  const doc = YAML.parse(fs.readFileSync(LAB, 'utf8')) as LabDoc;
  doc.services!.web.mode = mode;
  return doc;
}

export const recorded = (mode: string, node: string): NodeLook => parseLook(fs.readFileSync(path.join(here, 'fixtures', `${mode}-${node}.txt`), 'utf8'));

/** Every node of the lab in `mode`, healthy: recorded looks (servers share web1's, with their own addresses). */
export function healthy(mode: 'dsr' | 'tunnel' | 'nat' | 'snat'): CheckContext {
  const plan = planLab(labDoc(mode));
  const src = mode === 'snat' ? 'dsr' : mode;
  const looks: Record<string, NodeLook> = {};
  for (const n of plan.nodes) {
    if (n.kind === 'server') {
      const web1 = plan.nodes.find((x) => x.name === 'web1')!.interfaces[0].address;
      const text = fs.readFileSync(path.join(here, 'fixtures', `${src}-web1.txt`), 'utf8').split(web1).join(n.interfaces[0].address);
      looks[n.name] = parseLook(text);
      // and their own MACs
      if (n.name !== 'web1') for (const a of looks[n.name].addrs) if (a.ifname !== 'lo') a.address = `02:42:de:ad:00:${n.name.slice(-1).padStart(2, '0')}`;
    } else if (n.kind === 'client') {
      const client1 = plan.nodes.find((x) => x.name === 'client1')!.interfaces[0].address;
      looks[n.name] = parseLook(fs.readFileSync(path.join(here, 'fixtures', 'dsr-client1.txt'), 'utf8').split(client1).join(n.interfaces[0].address));
    }
    else looks[n.name] = recorded(src, n.name);
  }
  const states = Object.fromEntries(plan.nodes.map((n) => [n.name, 'running' as const]));
  return { plan, looks, states, stats: [{ lab: plan.name, service: 'web', mode, scheduler: 'maglev', at: 0, counters: {}, drops: {}, backends: plan.services[0].backends.map((b) => ({ node: b.node, address: b.address, weight: 1, healthy: true, packets: 0, bytes: 0, activeFlows: 0 })) }] };
}

/** A copy of a look with a change. */
export function edited(look: NodeLook, f: (l: NodeLook) => void): NodeLook {
  const l = structuredClone(look);
  f(l);
  return l;
}
