// Where the real data plane comes in (h1's dataplane.ts). Kept apart so the
// rest of the agent, and its tests, never import the BPF loader.
import type { DataplaneLoader } from './dp-contract';
import { Dataplane } from './dataplane';

export const BPF_OBJ_DIR = process.env.LBAGENT_BPF_DIR ?? '/usr/local/lib/lblab/bpf';
export const BPF_PIN_DIR = process.env.LBAGENT_PIN_DIR ?? '/sys/fs/bpf/lblab';

export const loadDataplane: DataplaneLoader = (interfaces) => Dataplane.load({ objDir: BPF_OBJ_DIR, pinDir: BPF_PIN_DIR, interfaces });
