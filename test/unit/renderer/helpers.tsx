// Shared helpers for the renderer component tests (jsdom).
import { configure, render } from '@testing-library/react';
import { vi } from 'vitest';
import { balancersOf, type AppInfo, type EngineDescription, type LabApi, type LabDoc, type LabEvent, type LabStatus, type ModeAvailability, type TemplateInfo, type ValidationReport } from '../../../electron/api';
import type { ApiClient } from '../../../renderer/api-client';
import { Inspector } from '../../../renderer/components/inspector/Inspector';
import type { InspectorProps } from '../../../renderer/components/inspector/context';
import { indexIssues } from '../../../renderer/state/issues';
import type { Selection } from '../../../renderer/state/selection';

/** React Flow measures nodes with ResizeObserver / DOMMatrix, which jsdom lacks. */
export function installDomShims() {
  // waitFor's 1 s default is shorter than a 300 ms debounce plus a render on a
  // loaded 2-core machine; the wait ends as soon as the condition holds.
  configure({ asyncUtilTimeout: 10_000 });
  class RO {
    cb: ResizeObserverCallback;
    constructor(cb: ResizeObserverCallback) {
      this.cb = cb;
    }
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = RO;
  class DOMMatrixReadOnly {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([1-9.])\)/)?.[1];
      this.m22 = scale !== undefined ? +scale : 1;
    }
  }
  (globalThis as unknown as { DOMMatrixReadOnly: unknown }).DOMMatrixReadOnly = DOMMatrixReadOnly;
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { configurable: true, get() { return parseFloat(this.style.height) || 1; } },
    offsetWidth: { configurable: true, get() { return parseFloat(this.style.width) || 1; } },
  });
  (SVGElement.prototype as unknown as { getBBox: () => unknown }).getBBox = () => ({ x: 0, y: 0, width: 0, height: 0 });
}

export const sampleDoc = (): LabDoc => ({
  name: 'demo',
  networks: { front: { position: { x: 0, y: 100 } } },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }], position: { x: 0, y: 0 } },
    lb: { kind: 'balancer', links: [{ network: 'front' }], position: { x: 200, y: 0 } },
    web1: { kind: 'server', links: [{ network: 'front' }], position: { x: 0, y: 200 } },
    web2: { kind: 'server', links: [], position: { x: 200, y: 200 } },
  },
  services: { web: { balancer: 'lb', port: 80, mode: 'dsr', backends: ['web1', { node: 'web2', weight: 2 }] } },
});

/** An ApiClient whose methods are vi.fn()s; validateLab answers with `validate`. */
export function fakeClient(validate: (doc: LabDoc) => ValidationReport = () => ({ ok: true, issues: [] })) {
  const listeners = new Set<(e: LabEvent) => void>();
  const api = {
    info: vi.fn(async (): Promise<AppInfo> => ({ version: 't', shell: 'web' as const, docker: { available: true }, engine: { name: 'default', host: 'unix:///var/run/docker.sock' } })),
    parseLab: vi.fn(async () => ({ issues: [] })),
    validateLab: vi.fn(async (doc: LabDoc) => validate(doc)),
    formatLab: vi.fn(async () => ''),
    listTemplates: vi.fn(async (): Promise<TemplateInfo[]> => []),
    getTemplate: vi.fn(),
    listLabs: vi.fn(async () => []),
    deploy: vi.fn(),
    destroy: vi.fn(),
    status: vi.fn(async (name: string): Promise<LabStatus> => ({ name, state: 'absent', networks: [], nodes: [], services: [] })),
    setMode: vi.fn(),
    stats: vi.fn(async () => []),
    openTerminal: vi.fn(),
    terminalInput: vi.fn(),
    resizeTerminal: vi.fn(),
    closeTerminal: vi.fn(),
    compareModes: vi.fn(async () => []),
    startCompare: vi.fn(),
    cancelCompare: vi.fn(),
    listComparisons: vi.fn(async () => []),
    getComparison: vi.fn(),
    comparisonCsv: vi.fn(),
    journey: vi.fn(),
    startCapture: vi.fn(),
    stopCapture: vi.fn(),
    listCaptures: vi.fn(async () => []),
    captureSummaries: vi.fn(async () => []),
    capturePacket: vi.fn(),
    capturePcap: vi.fn(),
    loadPcap: vi.fn(),
    discardCapture: vi.fn(),
    modeAvailability: vi.fn(async (_doc: LabDoc, _service: string): Promise<ModeAvailability[]> => []),
    filterCapture: vi.fn(async () => ({ indices: [] as number[], last: 0 })),
    listEngines: vi.fn(async (): Promise<{ engines: EngineDescription[]; problems: string[] }> => ({ engines: [], problems: [] })),
    doctor: vi.fn(),
    breakLab: vi.fn(),
    undoBreak: vi.fn(),
    listLessons: vi.fn(async () => []),
    startLesson: vi.fn(),
    lessonStep: vi.fn(),
    useEngine: vi.fn(async (name: string): Promise<AppInfo> => ({ version: 't', shell: 'web', docker: { available: true }, engine: { name, host: name } })),
  } satisfies Record<keyof LabApi, unknown>;
  const client: ApiClient = {
    api: api as unknown as LabApi,
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { client, api, emit: (e: LabEvent) => listeners.forEach((l) => l(e)) };
}

/** What the engine's status says of a lab running `doc` (its document included, as the drift indicator needs). */
export function runningStatus(doc: LabDoc): LabStatus {
  return {
    name: doc.name,
    state: 'running',
    networks: Object.keys(doc.networks).map((n, i) => ({ name: n, subnet: `198.18.${i}.0/24`, docker: `lblab-${doc.name}-${n}` })),
    nodes: Object.entries(doc.nodes).map(([name, n]) => ({ name, kind: n.kind, container: `lblab-${doc.name}-${name}`, state: 'running', interfaces: [], routes: [] })),
    services: Object.entries(doc.services ?? {}).map(([name, s]) => ({
      name,
      balancer: balancersOf(s)[0],
      vip: '198.18.0.254',
      port: s.port ?? 80,
      mode: s.mode,
      scheduler: s.scheduler ?? 'maglev',
      backends: s.backends.map((b) => ({ node: typeof b === 'string' ? b : b.node, address: '198.18.0.10', weight: 1 })),
    })),
    doc: structuredClone(doc),
  };
}

/** Make `api.status` answer that `doc` runs (the app attaches to it by name). */
export function runLab(api: ReturnType<typeof fakeClient>['api'], doc: LabDoc) {
  let current = runningStatus(doc);
  api.status.mockImplementation(async (name: string) => (name === current.name ? current : { name, state: 'absent', networks: [], nodes: [], services: [] }));
  return { set: (d: LabDoc) => (current = runningStatus(d)) };
}

/** The inspector on `doc` with `selection`, an undeployed lab and every callback a stub (`extra` overrides any
 * prop); `last()` is the document of the latest edit. */
export function renderInspector(selection: Selection, doc: LabDoc, extra: Partial<InspectorProps> = {}) {
  const edit = vi.fn();
  const select = vi.fn();
  const onModeChange = vi.fn();
  render(
    <Inspector
      doc={doc}
      edit={edit}
      seal={vi.fn()}
      select={select}
      selection={selection}
      issues={indexIssues(doc, [])}
      deployed={false}
      onModeChange={onModeChange}
      onOpenTerminal={vi.fn()}
      confirmDelete={async () => true}
      ask={async () => true}
      listEngines={async () => ({ engines: [], problems: [] })}
      checkModes={async () => []}
      modeRefusals={{}}
      {...extra}
    />,
  );
  const last = (): LabDoc => edit.mock.calls[edit.mock.calls.length - 1][0];
  return { edit, select, onModeChange, last };
}
