// The lab engine: every LabApi method, for the Electron main process, the web
// server and the CLI. Lab files delegate to topology/, lifecycle to deploy/,
// statistics to balancer/, shells to terminals/; Docker node events are
// pushed to subscribers. Every failure surfaces as an ApiError with one line.
import fs from 'node:fs';
export { toApiError } from './deploy/errors';
import { ApiError, type AppInfo, type Comparison, type LabApi, type LabDoc, type LabEvent, type Mode } from '../api';
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
import { createComparisons, type Comparisons } from './experiments/comparisons';
import { enginePort } from './experiments/engine-port';

export interface LabEngineOptions {
  shell?: AppInfo['shell'];
  /** the app version (the Electron shell passes app.getVersion()) */
  version?: string;
  /** substitute parts (tests, benchmarks) */
  deps?: Partial<DeployDeps>;
  /** the folder for saved comparisons (the shell's userData); default: the user's data folder */
  dataDir?: string;
}

export type LabEngine = LabApi & {
  subscribe(listener: (e: LabEvent) => void): () => void;
  close(): Promise<void>;
  /** the CLI's `up`, with what changed */
  deployDetailed(doc: LabDoc): Promise<UpResult>;
  gc(opts?: GcOptions): ReturnType<typeof gc>;
  /** a comparison once it has ended (lab restored, result saved) */
  compareDone(id: string): Promise<Comparison>;
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

    // comparisons: experiments/ runs them through the engine's own methods
    compareModes: (lab, service) => guard(async () => (await needDocker(), compare().modes(lab, service))),
    startCompare: (req) => guard(async () => (await needDocker(), compare().start(req))),
    cancelCompare: (id) => guard(() => compare().cancel(id)),
    listComparisons: () => guard(async () => compare().list()),
    getComparison: (id) => guard(async () => compare().get(id)),
    comparisonCsv: (id) => guard(async () => compare().csv(id)),
    compareDone: (id) => guard(() => compare().done(id)),

    subscribe(listener) {
      listeners.add(listener);
      // watch Docker only while someone listens
      watch ??= watchNodeEvents(
        (e) => {
          if (e.state !== 'running' && e.state !== 'created' && e.state !== 'paused') terminals.nodeGone(e.lab, e.node);
          emit(e);
        },
        (message) => emit({ type: 'log', level: 'warn', message }),
      );
      return () => {
        listeners.delete(listener);
        if (!listeners.size) {
          watch?.close();
          watch = undefined;
        }
      };
    },
    async close() {
      await comparisons?.close(); // cancelled comparisons put their labs back first
      watch?.close();
      watch = undefined;
      listeners.clear();
      await terminals.closeAll();
    },
  };
  let comparisons: Comparisons | undefined;
  const compare = () => (comparisons ??= createComparisons({ port: enginePort(engine, deps), emit, dataDir: opts.dataDir }));
  return engine;
}
