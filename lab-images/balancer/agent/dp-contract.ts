// The data plane's contract as the agent uses it (h1's dataplane.ts implements
// it). Kept as types here so the control logic and its unit tests do not need
// the BPF loader; main.ts wires in the real class.
export interface DpBackend { id: number; address: string; mac: string; weight: number; healthy: boolean }
export interface DpService {
  id: number;
  vip: string;
  port: number;
  proto: 'tcp' | 'udp';
  mode: 'dsr' | 'tunnel' | 'nat' | 'snat';
  scheduler: 'maglev' | 'rr' | 'wrr' | 'lc' | 'sh';
  snatAddress?: string;
  backends: DpBackend[];
  /** backend ids: Maglev table (len 65537) for maglev/sh, weighted sequence for rr/wrr, [] for lc */
  table: number[];
}
export interface DpStats {
  backends: Record<number, { packets: number; bytes: number; activeFlows: number }>;
  counters: Record<string, number>;
  drops: Record<string, number>;
}
export interface DataplaneLike {
  applyService(s: DpService): Promise<void>;
  removeService(id: number): Promise<void>;
  readStats(): Promise<DpStats>;
  unload(): Promise<void>;
}
export type DataplaneLoader = (interfaces: string[]) => Promise<DataplaneLike>;
