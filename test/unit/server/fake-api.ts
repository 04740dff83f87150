// A LabApi stand-in for server/shell tests: records calls, emits events on demand.
import { ApiError, API_METHODS, type LabApi, type LabEvent } from '../../../electron/api.js';

export interface FakeApi extends LabApi {
  calls: { method: string; args: unknown[] }[];
  subscribe(listener: (e: LabEvent) => void): () => void;
  emit(e: LabEvent): void;
  listeners: Set<(e: LabEvent) => void>;
  close(): Promise<void>;
  closed: boolean;
}

export function fakeApi(): FakeApi {
  const listeners = new Set<(e: LabEvent) => void>();
  const calls: { method: string; args: unknown[] }[] = [];
  const api: Partial<FakeApi> = {
    calls,
    listeners,
    closed: false,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
    async close() {
      api.closed = true;
    },
  };
  for (const m of API_METHODS) {
    (api as Record<string, unknown>)[m] = async (...args: unknown[]) => {
      calls.push({ method: m, args });
      switch (m) {
        case 'info':
        case 'useEngine':
          return { version: '0.0.0-test', shell: 'electron', docker: { available: true, version: 'fake' }, engine: { name: 'default', host: 'unix:///var/run/docker.sock' } };
        case 'status':
          if (args[0] === 'missing') throw new ApiError('lab "missing" is not deployed', 'not-found');
          return { name: args[0], state: 'running', networks: [], nodes: [], services: [] };
        case 'deploy':
          throw new ApiError('lab "x" is already being deployed', 'conflict');
        case 'destroy':
          throw new Error('docker exploded\n    at Object.<anonymous> (/secret/path.js:1:1)');
        case 'listLabs':
          return [{ name: 'demo', nodes: 3, running: 3 }];
        case 'terminalInput':
          return undefined;
        default:
          return { method: m, args };
      }
    };
  }
  return api as FakeApi;
}

/** Valid arguments for every LabApi method (the tests check it covers them all). */
export const SAMPLE_ARGS: Record<string, unknown[]> = {
  info: [], parseLab: ['name: a'], validateLab: [{ name: 'a', networks: {}, nodes: {} }], formatLab: [{ name: 'a', networks: {}, nodes: {} }],
  listTemplates: [], getTemplate: ['dsr-basic'], listLabs: [], deploy: [{ name: 'a', networks: {}, nodes: {} }], destroy: ['a'],
  status: ['a'], setMode: ['a', 'web', 'nat'], stats: ['a'], openTerminal: ['a', 'n1', 80, 24], terminalInput: ['t1', 'ls\n'],
  resizeTerminal: ['t1', 100, 30], closeTerminal: ['t1'],
  compareModes: ['a', 'web'], startCompare: [{ lab: 'a', modes: ['dsr', 'nat'], duration: 5 }], cancelCompare: ['c1'],
  listComparisons: [], getComparison: ['c1'], comparisonCsv: ['c1'],
  journey: ['a', { service: 'web', from: 'client1' }],
  startCapture: ['a', [{ node: 'lb', iface: 'eth0' }, { node: 'web1' }], { filter: 'tcp port 80', count: 10, ringSize: 1000 }],
  stopCapture: ['cap1-abc123'], listCaptures: [], captureSummaries: ['cap1-abc123', 1, 100], capturePacket: ['cap1-abc123', 1],
  capturePcap: ['cap1-abc123'], loadPcap: ['trace.pcap', '1MOyoQIABAAAAAAAAAAAAAAABAABAAAA'], discardCapture: ['cap1-abc123'],
  modeAvailability: [{ name: 'a', networks: {}, nodes: {} }, 'web'],
  filterCapture: ['cap1-abc123', 'ip.dst == 198.18.0.100 && tcp.flags.syn == 1', 1],
  listEngines: [], useEngine: ['default'],
  doctor: ['a', { service: 'web', fix: false }], breakLab: ['a', 'arp-flux', 'web2'], undoBreak: ['a'],
  listLessons: [], startLesson: ['direct-routing', { lab: 'a' }], lessonStep: ['direct-routing', 'follow', { lab: 'a', act: true }],
};
