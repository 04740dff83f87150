// The lab engine: every LabApi method, for the Electron main process, the web
// server and the CLI. Lab files delegate to topology/, lifecycle to deploy/,
// statistics to balancer/, shells to terminals/; Docker node events are
// pushed to subscribers. Every failure surfaces as an ApiError with one line.
import fs from 'node:fs';
export { toApiError } from './deploy/errors';
import { ApiError, type AppInfo, type LabApi, type LabDoc, type LabEvent, type Mode } from '../api';
import { HOW_TO_START_DOCKER, probeDocker } from './docker/client';
import { defaultDeps, type DeployDeps } from './deploy/deps';
import { down } from './deploy/down';
import { gc, type GcOptions } from './deploy/gc';
import { setMode } from './deploy/mode';
import { toApiError } from './deploy/errors';
import { labContext, listLabs, status } from './deploy/status';
import { up, type UpResult } from './deploy/up';
import { watchNodeEvents, type EventWatch } from './events/node-events';
import { Terminals } from './terminals/terminals';
import { CaptureManager } from './capture/capture-manager';

export interface LabEngineOptions {
  shell?: AppInfo['shell'];
  /** the app version (the Electron shell passes app.getVersion()) */
  version?: string;
  /** substitute parts (tests, benchmarks) */
  deps?: Partial<DeployDeps>;
}

export type LabEngine = LabApi & {
  subscribe(listener: (e: LabEvent) => void): () => void;
  close(): Promise<void>;
  /** the CLI's `up`, with what changed */
  deployDetailed(doc: LabDoc): Promise<UpResult>;
  gc(opts?: GcOptions): ReturnType<typeof gc>;
  /** the captures behind the capture methods (the CLI taps packets here) */
  captures: CaptureManager;
};

const topology = () => import('./topology/index');

/** The app version: given by the shell (Electron knows it), else read from package.json. */
function version(given?: string): string {
  if (given) return given;
  for (const p of [new URL('../../package.json', import.meta.url), `${process.cwd()}/package.json`]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lblab' && pkg.version) return pkg.version;
    } catch {
      // bundled builds have no package.json next to them: try the next place
    }
  }
  return '0.0.0';
}

const notYet = async (): Promise<never> => {
  throw new ApiError('comparisons are not available in this build yet', 'engine');
};

export function createLabEngine(opts: LabEngineOptions = {}): LabEngine {
  const listeners = new Set<(e: LabEvent) => void>();
  const emit = (e: LabEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // one faulty listener must not starve the others
      }
    }
  };
  const terminals = new Terminals(emit);
  let watch: EventWatch | undefined;
  const deps = async (): Promise<DeployDeps> => ({ ...(await defaultDeps()), ...opts.deps });
  const captures = new CaptureManager({ emit, status: async (lab) => status(lab, await deps()) });

  /** Run an engine call, turning any failure into one ApiError line. */
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw toApiError(e);
    }
  };
  const needDocker = async () => {
    const d = await probeDocker();
    if (!d.available) throw new ApiError(d.message ?? HOW_TO_START_DOCKER, 'engine');
  };

  const deployDetailed = (doc: LabDoc) =>
    guard(async () => {
      await needDocker();
      return up(doc, { deps: await deps(), onProgress: (p) => emit({ type: 'progress', lab: doc.name, ...p }) });
    });

  const engine: LabEngine = {
    async info() {
      return { version: version(opts.version), shell: opts.shell ?? 'web', docker: await probeDocker() };
    },
    parseLab: (text) => guard(async () => (await topology()).parseLabText(text)),
    validateLab: (doc) => guard(async () => (await topology()).validateLab(doc)),
    formatLab: (doc) => guard(async () => (await topology()).formatLab(doc)),
    listTemplates: () => guard(async () => (await topology()).listTemplates()),
    getTemplate: (id) =>
      guard(async () => {
        const t = await (await topology()).getTemplate(id);
        if (!t) throw new ApiError(`no template ${id}`, 'not-found');
        return t;
      }),

    listLabs: () => guard(async () => (await needDocker(), listLabs())),
    async deploy(doc) {
      await deployDetailed(doc);
      return engine.status(doc.name);
    },
    deployDetailed,
    destroy: (lab) =>
      guard(async () => {
        await needDocker();
        terminals.nodeGone(lab);
        await captures.nodeGone(lab, undefined, `lab ${lab} removed`);
        await down(lab);
      }),
    status: (lab) => guard(async () => (await needDocker(), status(lab, await deps()))),
    setMode: (lab, service, mode: Mode) =>
      guard(async () => {
        await needDocker();
        return setMode(lab, service, mode, await deps(), (p) => emit({ type: 'progress', lab, ...p }));
      }),
    stats: (lab) =>
      guard(async () => {
        await needDocker();
        const d = await deps();
        const ctx = await labContext(lab, d);
        if (!ctx.objs.containers.length) throw new ApiError(`no lab named ${lab}`, 'not-found');
        if (!ctx.plan) throw new ApiError(`lab ${lab} has no readable document: redeploy it`, 'conflict');
        return d.readStats(ctx.plan);
      }),
    gc: (o) => guard(async () => (await needDocker(), gc(o))),

    openTerminal: (lab, node, cols, rows) => guard(() => terminals.open(lab, node, cols, rows)),
    terminalInput: (id, data) => guard(() => terminals.input(id, data)),
    resizeTerminal: (id, cols, rows) => guard(() => terminals.resize(id, cols, rows)),
    closeTerminal: (id) => guard(() => terminals.close(id)),

    // comparisons: the runner lands in experiments/; until then one clear line
    compareModes: () => guard(notYet),
    startCompare: () => guard(notYet),
    cancelCompare: () => guard(notYet),
    listComparisons: () => guard(notYet),
    getComparison: () => guard(notYet),
    comparisonCsv: () => guard(notYet),

    // live captures: tcpdump in the nodes, packets decoded here (capture/)
    captures,
    startCapture: (lab, targets, o) => guard(async () => (await needDocker(), captures.start(lab, targets, o ?? {}))),
    stopCapture: (id) => guard(() => captures.stop(id)),
    listCaptures: () => guard(async () => captures.list()),
    captureSummaries: (id, from, count) => guard(async () => captures.summaries(id, from, count)),
    capturePacket: (id, index) => guard(async () => captures.packet(id, index)),
    capturePcap: (id) => guard(async () => captures.pcap(id)),
    loadPcap: (name, base64) => guard(async () => captures.load(name, base64)),
    discardCapture: (id) => guard(() => captures.discard(id)),

    subscribe(listener) {
      listeners.add(listener);
      // watch Docker only while someone listens
      watch ??= watchNodeEvents(
        (e) => {
          if (e.state !== 'running' && e.state !== 'created' && e.state !== 'paused') {
            terminals.nodeGone(e.lab, e.node);
            void captures.nodeGone(e.lab, e.node, `node ${e.node} of lab ${e.lab} stopped`);
          }
          emit(e);
        },
        (message) => emit({ type: 'log', level: 'warn', message }),
      );
      return () => {
        listeners.delete(listener);
        if (!listeners.size) {
          watch?.close();
          watch = undefined;
          // nobody can see the packets any more (the window closed, the browser left)
          void captures.stopAll('the last event subscriber left');
        }
      };
    },
    async close() {
      watch?.close();
      watch = undefined;
      listeners.clear();
      await terminals.closeAll();
      await captures.stopAll('engine closed');
    },
  };
  return engine;
}
