// Docker engines lblab can drive: the contexts the Docker CLI knows, the
// local socket and DOCKER_HOST, each described by what its engine says of
// itself. Shared by the CLI (`lblab engines`) and the app's engine picker.
import { z } from 'zod';
import type { AppInfo } from './app';

/** How the engine is reached: this machine's socket, or the network. */
export type EngineTransportName = 'unix' | 'npipe' | 'tcp' | 'ssh';

/** eBPF support as far as the engine's info tells it (see `checked`). */
export interface EngineEbpf {
  /** the engine runs Linux containers on a kernel recent enough for the balancer's core */
  ok: boolean;
  /** what was checked, in words (the kernel's BTF is only seen when the balancer loads) */
  checked: string;
}

export interface EngineDescription {
  /** the Docker context name, `default`, or the address given with --engine */
  name: string;
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host */
  host: string;
  transport: EngineTransportName;
  /** the engine lblab drives now */
  current: boolean;
  /** whether it answered within the probe's time */
  answers: boolean;
  /** why it does not answer, in one line */
  problem?: string;
  description?: string;
  tls?: 'verify' | 'no-verify';
  /** what the engine says of itself, when it answers */
  serverVersion?: string;
  os?: string;
  osType?: string;
  kernel?: string;
  architecture?: string;
  cpus?: number;
  memoryBytes?: number;
  ebpf?: EngineEbpf;
}

/** The engines the app can list and switch to (the app's engine picker). */
export interface EngineMethods {
  /** Every Docker engine the Docker CLI knows (`default`, each context, an address given at start), each asked briefly
   * what it is; `current` marks the one this app drives. One that does not answer is listed with its `problem` in
   * words; `problems` are the contexts that could not be read. Never fails for an unreachable engine. */
  listEngines(): Promise<{ engines: EngineDescription[]; problems: string[] }>;
  /** Drive this engine (a context name or an address: unix://, tcp://, ssh://) from now on and say the app's info
   * again. Refused with `conflict` while a deploy, a removal, a mode change, a comparison or a capture is running,
   * with `not-found` for an unknown context, with `engine` when the engine does not answer; the previous engine stays. */
  useEngine(name: string): Promise<AppInfo>;
}

export const engineArgs = {
  listEngines: z.tuple([]),
  useEngine: z.tuple([z.string().min(1).max(1000)]),
} satisfies Record<keyof EngineMethods, z.ZodTypeAny>;
