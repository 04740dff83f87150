// Docker engines lblab can drive: the contexts the Docker CLI knows, the
// local socket and DOCKER_HOST, each described by what its engine says of
// itself. Shared by the CLI (`lblab engines`) and, later, the app's engine picker.

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
