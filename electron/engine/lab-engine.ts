// The lab engine: the LabService (api/host.ts) for the Electron main process, the
// web server and the CLI — the one way into the engine. Lab files delegate to
// topology/, deploying to deploy/, reading and removing labs to labs/,
// statistics to balancer/, shells to terminals/, images to images/; Docker
// node events are pushed to subscribers. Docker is checked once per call that
// needs it; every failure surfaces as an ApiError with one line.
import fs from 'node:fs';
import { ApiError, doctorOptionsSchema, faultSchema, NAME_RE, type AppInfo, type EngineDescription, type LabDoc, type LabEvent, type Mode } from '../api';
import type { LabService } from '../api/host';
import { defaultDeps, helperImage, withPlanCache, type DeployDeps } from './deploy/deps';
import { setMode } from './deploy/mode';
import { up } from './deploy/up';
import { engineChoice, engineDownWords, engineTarget, probeDocker, useEngine } from './docker/client';
import { resolveEngine } from './docker/engine-target';
import { HOW_TO_START_DOCKER, toApiError } from './errors';
import { journey } from './journey/journey';
import { watchLabNodeEvents } from './events/lab-node-events';
import type { EventWatch } from './events/node-events';
import { execNode } from './labs/exec';
import { down } from './labs/down';
import { gc } from './labs/gc';
import { withLabLock } from './labs/lock';
import { labContext, listLabs, status } from './labs/status';
import { Terminals } from './terminals/terminals';
import { CaptureManager } from './capture/capture-manager';
import { createComparisons, type Comparisons } from './compare/comparisons';
import { enginePort } from './compare/engine-port';
import type { Lessons } from './lessons/lessons';

export interface LabEngineOptions {
  shell?: AppInfo['shell'];
  /** the app version (the Electron shell passes app.getVersion()) */
  version?: string;
  /** substitute parts (tests, benchmarks) */
  deps?: Partial<DeployDeps>;
  /** the folder for saved comparisons (the shell's userData); default: the user's data folder */
  dataDir?: string;
  /** the Docker engine to drive: a Docker context name or an address (unix://, tcp://, ssh://);
   * default: Docker's own choice (DOCKER_HOST, DOCKER_CONTEXT, the current context, the local socket) */
  engine?: string;
}

/** Drive this Docker engine (a context name or an address) in this process, whoever makes the engine (`lblab --engine`). */
export const selectEngine = (choice: string | undefined): void => useEngine(choice);

/** Every Docker engine the Docker CLI knows, asked briefly what it is (`lblab engines`). */
export async function describeEngines(choice: string | undefined = engineChoice()): Promise<{ engines: EngineDescription[]; problems: string[] }> {
  try {
    return await (await import('./docker/describe-engines')).describeEngines(choice);
  } catch (e) {
    throw toApiError(e, engineDownWords);
  }
}

const topology = () => import('./topology/index');

/** The engine driven, named for the toolbar; an unknown context is still named (its failure is in `docker`). */
function currentEngine(): { name: string; host: string } {
  try {
    const t = engineTarget();
    return { name: t.name, host: t.host };
  } catch {
    return { name: engineChoice() ?? 'default', host: '' };
  }
}

/** Switch this process to another engine only if it answers now; the one driven before stays otherwise. */
async function switchEngine(name: string): Promise<void> {
  const t = resolveEngine(name); // an unknown context: its one line (not-found)
  const d = await (await import('./docker/describe-engines')).describeEngine(t, false, 5_000);
  if (!d.answers) throw new ApiError(`not switched to ${name}: ${d.problem ?? 'it does not answer'}`, 'engine');
  useEngine(name);
}

/** The app version: given by the shell (Electron knows it), else read from package.json. */
function version(given?: string): string {
  if (given) return given;
  // beside the sources, beside the CLI's bundle (.cache/cli/<build>/), then the working directory
  for (const p of [new URL('../../package.json', import.meta.url), new URL('../../../package.json', import.meta.url), `${process.cwd()}/package.json`]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lblab' && pkg.version) return pkg.version;
    } catch {
      // bundled builds have no package.json next to them: try the next place
    }
  }
  return '0.0.0';
}

export function createLabEngine(opts: LabEngineOptions = {}): LabService {
  if (opts.engine !== undefined) useEngine(opts.engine);
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
  let parts: Promise<DeployDeps> | undefined;
  const deps = (): Promise<DeployDeps> => (parts ??= defaultDeps().then((d) => withPlanCache({ ...d, ...opts.deps })));
  const captures = new CaptureManager({ emit, status: async (lab) => status(lab, await deps()) });

  /** Run an engine call, turning any failure into one ApiError line. */
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw toApiError(e, engineDownWords);
    }
  };
  /** Run an engine call that needs Docker: a missing engine is the one line users see. */
  const withDocker = <T>(f: () => Promise<T>): Promise<T> =>
    guard(async () => {
      const d = await probeDocker();
      if (!d.available) throw new ApiError(d.message ?? HOW_TO_START_DOCKER, 'engine');
      return f();
    });
  /** Deploys, removals and mode changes under way, and comparisons not yet ended: the engine must not change under them. */
  let writes = 0;
  const comparing = new Set<string>();
  const writing = async <T>(f: () => Promise<T>): Promise<T> => {
    writes++;
    try {
      return await f();
    } finally {
      writes--;
    }
  };
  /** What holds the engine now, in words, or undefined. */
  const engineHeldBy = (): string | undefined =>
    writes ? 'a deploy, a removal or a mode change is running' : comparing.size ? 'a comparison is running' : captures.running ? 'a capture is running' : undefined;
  const progressOf = (lab: string) => (p: { step: string; done: number; total: number }) => emit({ type: 'progress', lab, ...p });

  const engine: LabService = {
    async info() {
      return { version: version(opts.version), shell: opts.shell ?? 'web', docker: await probeDocker(), engine: currentEngine() };
    },
    listEngines: () => describeEngines(),
    useEngine: (name) =>
      guard(async () => {
        const held = engineHeldBy();
        if (held) throw new ApiError(`not switched to ${name}: ${held} on ${currentEngine().name}; wait for it to end`, 'conflict');
        await switchEngine(name);
        // node events come from the engine driven: watch the new one
        if (watch) {
          watch.close();
          watch = watchEngine();
        }
        return engine.info();
      }),
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
    loadLabFile: (file) => guard(async () => (await topology()).loadLabFile(file)),

    listLabs: () => withDocker(() => listLabs()),
    // up, down and setMode hold the lab's lock (labs/lock.ts): one writer per lab, across processes
    up: (doc: LabDoc, o = {}) =>
      writing(() =>
        withDocker(async () => {
          const d = await deps();
          // a trusted foreign image is said as a warning (the CLI prints it, the app may show it)
          const onGrant = (message: string) => emit({ type: 'log', level: 'warn', message });
          const run = () => up(doc, { deps: d, onProgress: progressOf(doc.name), signal: o.signal, onGrant });
          // a document without a usable name fails validation in up(), with the field at fault
          const r = typeof doc?.name === 'string' && NAME_RE.test(doc.name) ? await withLabLock(doc.name, 'deploy', run) : await run();
          return { lab: r.lab, action: r.action, ms: r.ms, timings: r.timings };
        }),
      ),
    async deploy(doc) {
      await engine.up(doc);
      return engine.status(doc.name);
    },
    down: (lab) =>
      writing(() =>
        withDocker(() =>
          withLabLock(lab, 'remove', async () => {
            terminals.nodeGone(lab);
            await captures.nodeGone(lab, undefined, `lab ${lab} removed`);
            return down(lab);
          }),
        ),
      ),
    async destroy(lab) {
      await engine.down(lab);
    },
    status: (lab) => withDocker(async () => status(lab, await deps())),
    setMode: (lab, service, mode: Mode) =>
      writing(() =>
        withDocker(async () => {
          const d = await deps();
          return withLabLock(lab, 'mode', () => setMode(lab, service, mode, d, progressOf(lab)));
        }),
      ),
    stats: (lab) =>
      withDocker(async () => {
        const d = await deps();
        const ctx = await labContext(lab, d);
        if (!ctx.objs.containers.length) throw new ApiError(`no lab named ${lab}`, 'not-found');
        if (!ctx.plan) throw new ApiError(`lab ${lab} has no readable document: redeploy it`, 'conflict');
        return d.readStats(ctx.plan);
      }),
    exec: (lab, node, cmd, io) => withDocker(() => execNode(lab, node, cmd, io)),
    buildImages: (o = {}) =>
      withDocker(async () => {
        const { buildImages } = await import('./images/index');
        await buildImages({ force: o.force, onProgress: o.onProgress, onSummary: o.onSummary });
      }),
    gc: (o) => withDocker(() => gc(o)),

    openTerminal: (lab, node, cols, rows) => guard(() => terminals.open(lab, node, cols, rows)),
    terminalInput: (id, data) => guard(() => terminals.input(id, data)),
    resizeTerminal: (id, cols, rows) => guard(() => terminals.resize(id, cols, rows)),
    closeTerminal: (id) => guard(() => terminals.close(id)),

    // comparisons: compare/ runs them through the engine's own methods
    compareModes: (lab, service) => withDocker(() => compare().modes(lab, service)),
    startCompare: (req) =>
      withDocker(async () => {
        const started = await compare().start(req);
        // held until it has ended (its lab put back)
        comparing.add(started.id);
        void compare()
          .done(started.id)
          .catch(() => undefined)
          .finally(() => comparing.delete(started.id));
        return started;
      }),
    cancelCompare: (id) => guard(() => compare().cancel(id)),
    listComparisons: () => guard(async () => compare().list()),
    getComparison: (id) => guard(async () => compare().get(id)),
    comparisonCsv: (id) => guard(async () => compare().csv(id)),
    compareDone: (id) => guard(() => compare().done(id)),

    journey: (lab, o) =>
      withDocker(async () => {
        const d = await deps();
        return journey(lab, o ?? {}, { status: (name) => status(name, d), helperImage: () => helperImage(d) });
      }),
    // the doctor (doctor/): checks and probes read the lab; a fix, a break and its undo change it, under the lab's lock
    doctor: (lab, o) =>
      withDocker(async () => {
        const opts = doctorOptionsSchema.safeParse(o ?? {});
        if (!opts.success) throw new ApiError(`doctor: bad option ${opts.error.issues[0]?.path.join('.')}: ${opts.error.issues[0]?.message}`, 'bad-request');
        const d = await deps();
        const { doctor } = await import('./doctor/doctor');
        return opts.data.fix ? writing(() => withLabLock(lab, 'break', () => doctor(lab, opts.data, d))) : doctor(lab, opts.data, d);
      }),
    breakLab: (lab, fault, node) =>
      writing(() =>
        withDocker(async () => {
          const f = faultSchema.safeParse(fault);
          if (!f.success) throw new ApiError(`unknown fault ${String(fault)} (faults: ${faultSchema.options.join(', ')})`, 'bad-request');
          const d = await deps();
          return withLabLock(lab, 'break', async () => (await import('./doctor/breaks')).breakLab(lab, f.data, node, d));
        }),
      ),
    undoBreak: (lab, fault, node) =>
      writing(() =>
        withDocker(async () => {
          if (fault !== undefined && (!faultSchema.safeParse(fault).success || !node)) throw new ApiError(`undo: name a fault (${faultSchema.options.join(', ')}) and its node, or neither`, 'bad-request');
          const d = await deps();
          return withLabLock(lab, 'break', async () => (await import('./doctor/breaks')).undoBreaks(lab, fault, node, d));
        }),
      ),
    // live captures: tcpdump in the nodes, packets decoded here (capture/)
    startCapture: (lab, targets, o) => withDocker(() => captures.start(lab, targets, o ?? {})),
    tapCapture: (lab, targets, o, tap) => withDocker(() => captures.tap(lab, targets, o ?? {}, tap)),
    stopCapture: (id) => guard(() => captures.stop(id)),
    listCaptures: () => guard(async () => captures.list()),
    captureSummaries: (id, from, count) => guard(async () => captures.summaries(id, from, count)),
    capturePacket: (id, index) => guard(async () => captures.packet(id, index)),
    capturePcap: (id) => guard(async () => captures.pcap(id)),
    loadPcap: (name, base64) => guard(async () => captures.load(name, base64)),
    discardCapture: (id) => guard(() => captures.discard(id)),
    // lessons (lessons/): the course's labs deployed from templates, its checks run through this engine's own methods
    listLessons: () => guard(async () => (await lessons()).list()),
    startLesson: (id, o) => withDocker(async () => (await lessons()).start(id, o ?? {})),
    lessonStep: (id, step, o) => withDocker(async () => (await lessons()).step(id, step, o ?? {})),
    modeAvailability: (doc, service) => guard(async () => (await topology()).modeAvailability(doc, service)),
    filterCapture: (id, text, from) => guard(async () => captures.filter(id, text, from)),

    subscribe(listener) {
      listeners.add(listener);
      // watch Docker only while someone listens
      watch ??= watchEngine();
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
      await comparisons?.close(); // cancelled comparisons put their labs back first
      watch?.close();
      watch = undefined;
      listeners.clear();
      await terminals.closeAll();
      await captures.stopAll('engine closed');
    },
  };
  /** Node events of every engine the labs use, for subscribers: a stopped node ends its shells and captures. */
  function watchEngine(): EventWatch {
    return watchLabNodeEvents(
      (e) => {
        if (e.state !== 'running' && e.state !== 'created' && e.state !== 'paused') {
          terminals.nodeGone(e.lab, e.node);
          void captures.nodeGone(e.lab, e.node, `node ${e.node} of lab ${e.lab} stopped`);
        }
        emit(e);
      },
      (message) => emit({ type: 'log', level: 'warn', message }),
    );
  }
  let course: Promise<Lessons> | undefined;
  const lessons = () =>
    (course ??= import('./lessons/lessons').then(async (m) => m.createLessons((await import('./lessons/port')).enginePort(engine, opts.dataDir))));
  let comparisons: Comparisons | undefined;
  const compare = () => (comparisons ??= createComparisons({ port: enginePort(engine, deps), emit, dataDir: opts.dataDir }));
  return engine;
}
