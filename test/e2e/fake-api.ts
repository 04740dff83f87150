// A stand-in LabApi for developing the UI without Docker: the real lab-file
// checks (topology module), fake lifecycle / counters / terminals. Never used
// by the final e2e test, which drives the real engine.
import { ApiError, balancersOf, type EngineDescription, type LabApi, type LabDoc, type LabEvent, type LabStatus, type Mode, type ServiceStats } from '../../electron/api';
import { formatLab, getTemplate, listTemplates, modeAvailability, parseLabText, validateLab } from '../../electron/engine/topology';
import { CaptureManager } from '../../electron/engine/capture/capture-manager';
import { COURSE } from '../../electron/engine/lessons/course/index';
import { lessonOf } from '../../electron/engine/lessons/lessons';
import { playingStarter } from '../support/capture-fakes';
import { createFakeCompare } from './fake-compare';
import { fakeJourney } from './fake-journey';

export function createFakeApi(opts: { stepMs?: number; dockerAvailable?: boolean; compareSecondMs?: number } = {}) {
  const listeners = new Set<(e: LabEvent) => void>();
  const emit = (e: LabEvent) => listeners.forEach((l) => l(e));
  const labs = new Map<string, { doc: LabDoc; started: number; modes: Record<string, Mode> }>();
  const terms = new Map<string, { lab: string; node: string; line: string }>();
  const step = opts.stepMs ?? 150;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const compare = createFakeCompare(emit, labs, { secondMs: opts.compareSecondMs });

  const status = (name: string): LabStatus => {
    const l = labs.get(name);
    if (!l) return { name, state: 'absent', networks: [], nodes: [], services: [] };
    let i = 10;
    return {
      name,
      state: 'running',
      networks: Object.keys(l.doc.networks).map((n, k) => ({ name: n, subnet: `198.18.${k}.0/24`, docker: `lblab-${name}-${n}` })),
      nodes: Object.entries(l.doc.nodes).map(([n, node]) => ({
        name: n,
        kind: node.kind,
        container: `lblab-${name}-${n}`,
        state: 'running' as const,
        interfaces: node.links.map((lk, k) => ({ name: `eth${k}`, network: lk.network, mac: '02:00:00:00:00:01', address: `198.18.0.${i++}/24` })),
        routes: [],
      })),
      services: Object.entries(l.doc.services ?? {}).map(([s, svc]) => ({
        name: s,
        balancer: balancersOf(svc)[0],
        vip: svc.vip ?? '198.18.0.100',
        port: svc.port ?? 80,
        mode: l.modes[s] ?? svc.mode,
        scheduler: svc.scheduler ?? 'maglev',
        backends: svc.backends.map((b) => ({ node: typeof b === 'string' ? b : b.node, address: '198.18.0.20', weight: typeof b === 'string' ? 1 : (b.weight ?? 1) })),
      })),
      doc: { ...l.doc, services: Object.fromEntries(Object.entries(l.doc.services ?? {}).map(([s, svc]) => [s, { ...svc, mode: l.modes[s] ?? svc.mode }])) },
    };
  };

  // captures: the real capture code on a tcpdump stand-in that plays HTTP exchanges
  const captures = new CaptureManager({ emit, status: async (lab) => status(lab), exec: playingStarter({ everyMs: 120 }) });

  // two engines: this machine's, and a remote one that does not answer (the picker's tests)
  const engines: EngineDescription[] = [
    { name: 'default', host: 'unix:///var/run/docker.sock', transport: 'unix', current: true, answers: true, serverVersion: 'fake', osType: 'linux', kernel: '6.8.0-fake', cpus: 2, ebpf: { ok: true, checked: 'Linux containers, kernel 6.8 (6.3 or newer needed)' } },
    { name: 'remote', host: 'ssh://lab@198.18.0.1', transport: 'ssh', current: false, answers: false, problem: 'the Docker engine remote (ssh://lab@198.18.0.1) did not answer in time (ETIMEDOUT)' },
  ];
  let current = 'default';
  const api: LabApi & { subscribe(l: (e: LabEvent) => void): () => void } = {
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async info() {
      const e = engines.find((x) => x.name === current)!;
      return { version: '0.1.0-fake', shell: 'web', engine: { name: e.name, host: e.host }, docker: opts.dockerAvailable === false ? { available: false, message: 'cannot connect to /var/run/docker.sock (fake)' } : { available: true, version: 'fake' } };
    },
    async parseLab(text) {
      return parseLabText(text);
    },
    async validateLab(doc) {
      return validateLab(doc);
    },
    async modeAvailability(doc, service) {
      return modeAvailability(doc, service);
    },
    async formatLab(doc) {
      return formatLab(doc);
    },
    async listTemplates() {
      return listTemplates();
    },
    async getTemplate(id) {
      const t = getTemplate(id);
      if (!t) throw new ApiError(`no template named ${id}`, 'not-found');
      return t;
    },
    async listLabs() {
      return [...labs.keys()].map((n) => ({ name: n, nodes: Object.keys(labs.get(n)!.doc.nodes).length, running: Object.keys(labs.get(n)!.doc.nodes).length }));
    },
    async deploy(doc) {
      const r = validateLab(doc);
      if (!r.ok) throw new ApiError(`${doc.name}: ${r.issues[0].message}`, 'bad-request');
      const nodes = Object.keys(doc.nodes);
      const total = nodes.length + 2;
      // like the engine: a redeploy replaces the containers, their shells end
      for (const [id, t] of terms) {
        if (t.lab !== doc.name) continue;
        terms.delete(id);
        emit({ type: 'terminal-end', id, reason: 'node stopped' });
      }
      emit({ type: 'progress', lab: doc.name, step: 'creating networks', done: 0, total });
      await sleep(step);
      emit({ type: 'progress', lab: doc.name, step: 'creating networks', done: 1, total });
      for (const [k, n] of nodes.entries()) {
        await sleep(step);
        emit({ type: 'node', lab: doc.name, node: n, state: 'running', action: 'start' });
        emit({ type: 'progress', lab: doc.name, step: `starting ${n}`, done: 2 + k, total });
      }
      await sleep(step);
      emit({ type: 'progress', lab: doc.name, step: 'configuring balancer', done: total, total });
      labs.set(doc.name, { doc, started: Date.now(), modes: {} });
      return status(doc.name);
    },
    async destroy(lab) {
      await captures.nodeGone(lab, undefined, `lab ${lab} removed`);
      await sleep(step);
      labs.delete(lab);
    },
    async status(lab) {
      return status(lab);
    },
    async setMode(lab, service, mode) {
      const l = labs.get(lab);
      if (!l) throw new ApiError(`lab ${lab} is not running`, 'not-found');
      l.modes[service] = mode;
      return status(lab).services.find((s) => s.name === service)!;
    },
    async stats(lab) {
      const l = labs.get(lab);
      if (!l) throw new ApiError(`lab ${lab} is not running`, 'not-found');
      const t = (Date.now() - l.started) / 1000;
      return status(lab).services.map<ServiceStats>((s) => ({
        lab,
        service: s.name,
        mode: s.mode,
        scheduler: s.scheduler,
        at: Date.now(),
        backends: s.backends.map((b, k) => ({ ...b, healthy: true, packets: Math.floor(t * (40 + 15 * k)), bytes: Math.floor(t * (40 + 15 * k) * 620), activeFlows: 2 + k })),
        counters: { rx: Math.floor(t * 100), tx: Math.floor(t * 98) },
        drops: {},
      }));
    },
    async openTerminal(lab, node) {
      if (!labs.has(lab)) throw new ApiError(`lab ${lab} is not running`, 'not-found');
      const id = `t${terms.size + 1}`;
      terms.set(id, { lab, node, line: '' });
      setTimeout(() => emit({ type: 'terminal-data', id, data: `root@${node}:/# ` }), 50);
      return { id };
    },
    async terminalInput(id, data) {
      const t = terms.get(id);
      if (!t) throw new ApiError('no such terminal', 'not-found');
      for (const ch of data) {
        if (ch === '\r') {
          const cmd = t.line.trim();
          t.line = '';
          let out = '';
          const mark = /echo (\w+)=\$\?/.exec(cmd);
          if (cmd.includes('curl')) out = `hello from web${1 + Math.floor(Math.random() * 2)}\r\n${mark ? `${mark[1]}=0\r\n` : ''}`;
          else if (cmd === 'exit') {
            emit({ type: 'terminal-data', id, data: '\r\n' });
            emit({ type: 'terminal-end', id, reason: 'exit 0' });
            terms.delete(id);
            return;
          } else if (cmd) out = `${cmd.split(' ')[0]}: command not found\r\n`;
          emit({ type: 'terminal-data', id, data: `\r\n${out}root@${t.node}:/# ` });
        } else if (ch === '\x7f') {
          if (t.line) {
            t.line = t.line.slice(0, -1);
            emit({ type: 'terminal-data', id, data: '\b \b' });
          }
        } else {
          t.line += ch;
          emit({ type: 'terminal-data', id, data: ch });
        }
      }
    },
    async resizeTerminal() {},
    async closeTerminal(id) {
      terms.delete(id);
    },
    compareModes: compare.compareModes,
    startCompare: compare.startCompare,
    cancelCompare: compare.cancelCompare,
    listComparisons: compare.listComparisons,
    getComparison: compare.getComparison,
    comparisonCsv: compare.comparisonCsv,
    async journey(lab, o) {
      return fakeJourney(status(lab), o);
    },
    startCapture: (lab, targets, o) => captures.start(lab, targets, o ?? {}),
    stopCapture: (id) => captures.stop(id),
    listCaptures: async () => captures.list(),
    captureSummaries: async (id, from, count) => captures.summaries(id, from, count),
    capturePacket: async (id, index) => captures.packet(id, index),
    capturePcap: async (id) => captures.pcap(id),
    loadPcap: async (name, base64) => captures.load(name, base64),
    discardCapture: (id) => captures.discard(id),
    filterCapture: async (id, text, from) => captures.filter(id, text, from),
    async listEngines() {
      return { engines: engines.map((e) => ({ ...e, current: e.name === current })), problems: [] };
    },
    async useEngine(name) {
      const e = engines.find((x) => x.name === name);
      if (!e) throw new ApiError(`no Docker context named ${name}`, 'not-found');
      if (!e.answers) throw new ApiError(`not switched to ${name}: ${e.problem}`, 'engine');
      current = name;
      return api.info();
    },
    // the doctor: every lab healthy; breaking one needs the real engine
    async doctor(lab) {
      status(lab);
      return { lab, healthy: true, findings: [], breaks: [], ms: 1, probes: [] };
    },
    async breakLab() {
      throw new ApiError('breaking a lab on purpose needs Docker', 'engine');
    },
    async undoBreak() {
      return [];
    },
    // the real course, never started: its labs need Docker
    async listLessons() {
      return COURSE.map((d) => ({ lesson: lessonOf(d), progress: null }));
    },
    async startLesson() {
      throw new ApiError('a lesson deploys a lab: that needs Docker', 'engine');
    },
    async lessonStep() {
      throw new ApiError('a lesson checks a running lab: that needs Docker', 'engine');
    },
  };
  return api;
}
