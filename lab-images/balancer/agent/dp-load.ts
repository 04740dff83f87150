// Where the real data plane comes in (dataplane.ts). Kept apart so the
// rest of the agent, and its tests, never import the BPF loader.
//
// Loading the BPF object (verifier, a 16 MB table map) is the slowest part of
// a balancer's first config and needs nothing from it: a fresh daemon loads it
// ahead (`prepareDataplane`, unattached, so it sees no traffic) while the lab
// is still being plumbed, and the first config only attaches it.
import type { DataplaneLoader } from './dp-contract';
import { Dataplane } from './dataplane';
import { DEFAULT_MAX_FLOWS, flowTableSizes } from '../contract/flow-table';
import type { Hook } from '../contract/vocabulary';

export const BPF_OBJ_DIR = process.env.LBAGENT_BPF_DIR ?? '/usr/local/lib/lblab/bpf';
export const BPF_PIN_DIR = process.env.LBAGENT_PIN_DIR ?? '/sys/fs/bpf/lblab';

let prepared: Promise<Dataplane | undefined> | undefined;

/** Load the data plane now (the hook's object), attached nowhere; failures are silent (the real load reports them). */
export function prepareDataplane(hook: Hook = 'tc'): Promise<unknown> {
  prepared ??= Dataplane.load({ objDir: BPF_OBJ_DIR, pinDir: BPF_PIN_DIR, interfaces: [], sizes: flowTableSizes(DEFAULT_MAX_FLOWS, false), hook }).catch(() => undefined);
  return prepared;
}

/** Drop a prepared data plane nobody took (the config needs no eBPF mode). */
export async function discardPrepared(): Promise<void> {
  const p = prepared;
  prepared = undefined;
  await (await p)?.unload();
}

export const loadDataplane: DataplaneLoader = async (interfaces, sizes, hook = 'tc') => {
  const p = prepared;
  prepared = undefined;
  const dp = p && (await p);
  // prepared at another hook (or size): loaded again
  if (dp && dp.hook === hook && dp.sizes?.v4 === sizes.v4 && dp.sizes.v6 === sizes.v6) {
    await dp.attach(interfaces);
    return dp;
  }
  await dp?.unload();
  return Dataplane.load({ objDir: BPF_OBJ_DIR, pinDir: BPF_PIN_DIR, interfaces, sizes, hook });
};
