// The lblab window: toolbar, palette + problems, canvas + dock, inspector.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { AppInfo, LabDoc, Mode, TemplateInfo } from '../electron/api';
import { oneLine, type ApiClient } from './api-client';
import { Canvas } from './components/canvas/Canvas';
import { Dock, type TermTab } from './components/dock/Dock';
import { Inspector } from './components/inspector/Inspector';
import { IssuesPanel } from './components/IssuesPanel';
import { Palette } from './components/Palette';
import { Splitter } from './components/Splitter';
import { Banner, Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { saveLab } from './lib/files';
import { addElement, emptyDoc, setService, type ElementKind } from './state/doc-ops';
import { useDocHistory } from './state/history';
import { indexIssues, issueText } from './state/issues';
import { autoLayout, needsLayout } from './state/layout';
import type { Selection } from './state/selection';
import { useLiveLab } from './state/useLiveLab';
import { useToasts } from './state/useToasts';
import { useValidation } from './state/useValidation';

export function App({ client, initialDoc }: { client: ApiClient; initialDoc?: LabDoc }) {
  return (
    <ReactFlowProvider>
      <Workbench client={client} initialDoc={initialDoc ?? emptyDoc()} />
    </ReactFlowProvider>
  );
}

const isEditable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || !!t.closest('.xterm'));

function Workbench({ client, initialDoc }: { client: ApiClient; initialDoc: LabDoc }) {
  const { api, shell } = client;
  const store = useDocHistory(initialDoc);
  const { doc, edit, seal } = store;
  const { toasts, notify, dismiss } = useToasts();
  const [selection, setSelection] = useState<Selection>({ type: 'lab' });
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [engineDown, setEngineDown] = useState<string | null>(null);
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  const [terms, setTerms] = useState<TermTab[]>([]);
  const [dockTab, setDockTab] = useState('counters');
  const [dockH, setDockH] = useState(260);
  const [inspW, setInspW] = useState(330);
  const fileInput = useRef<HTMLInputElement>(null);
  const flow = useReactFlow();

  const validation = useValidation(api, doc);
  const issueIx = useMemo(() => indexIssues(doc, validation.issues), [doc, validation.issues]);
  const live = useLiveLab(client, notify, doc.name);
  const deployed = live.lab !== null && live.lab === doc.name;

  // engine / docker availability and templates
  useEffect(() => {
    api.info().then(
      (i) => {
        setInfo(i);
        setEngineDown(null);
      },
      (e) => setEngineDown(oneLine(e)),
    );
    api.listTemplates().then(setTemplates, (e) => notify(`Templates unavailable: ${oneLine(e)}`, 'warn'));
  }, [api, notify]);

  const load = useCallback(
    (next: LabDoc, fit = true) => {
      edit(needsLayout(next) ? autoLayout(next) : next);
      setSelection({ type: 'lab' });
      if (fit) setTimeout(() => flow.fitView({ padding: 0.25, maxZoom: 1.2 }), 60);
    },
    [edit, flow],
  );

  const openText = useCallback(
    async (text: string, source: string) => {
      try {
        const r = await api.parseLab(text);
        if (!r.doc) {
          const first = r.issues[0];
          notify(`${source}: ${first ? issueText(first) : 'not a lab file'}${r.issues.length > 1 ? ` (+${r.issues.length - 1} more)` : ''}`);
          return;
        }
        load(r.doc);
        notify(`Opened ${source}.`, 'info');
      } catch (e) {
        notify(`${source}: ${oneLine(e)}`);
      }
    },
    [api, load, notify],
  );

  const onOpen = useCallback(async () => {
    if (shell) {
      try {
        const f = await shell.openLabFile();
        if (f) await openText(f.text, f.path);
      } catch (e) {
        notify(`Open failed: ${oneLine(e)}`);
      }
    } else fileInput.current?.click();
  }, [shell, openText, notify]);

  const onSave = useCallback(async () => {
    try {
      const text = await api.formatLab(doc);
      const where = await saveLab(shell, text, doc.name);
      if (where) notify(`Saved ${where}.`, 'info');
    } catch (e) {
      notify(`Save failed: ${oneLine(e)}`);
    }
  }, [api, doc, shell, notify]);

  const onTemplate = useCallback(
    async (id: string) => {
      try {
        load(await api.getTemplate(id));
      } catch (e) {
        notify(`Template ${id}: ${oneLine(e)}`);
      }
    },
    [api, load, notify],
  );

  const onAdd = useCallback(
    (kind: ElementKind) => {
      const vp = flow.getViewport();
      const el = document.querySelector('[data-testid="canvas"]');
      const r = el?.getBoundingClientRect();
      const n = Object.keys(doc.nodes).length + Object.keys(doc.networks).length;
      const center = r ? flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: -vp.x, y: -vp.y };
      const { doc: next, name } = addElement(doc, kind, { x: center.x - 75 + (n % 5) * 24, y: center.y - 32 + (n % 5) * 24 });
      edit(next);
      setSelection(kind === 'network' ? { type: 'network', name } : { type: 'node', name });
    },
    [doc, edit, flow],
  );

  const onModeChange = useCallback(
    (service: string, mode: Mode) => {
      edit(setService(doc, service, { mode }));
      if (deployed && live.status?.services.some((s) => s.name === service)) void live.setMode(service, mode);
    },
    [doc, edit, deployed, live],
  );

  const openTerminal = useCallback(
    (node: string) => {
      if (!live.lab) return;
      const key = `term-${node}-${Date.now()}`;
      setTerms((t) => [...t, { key, lab: live.lab as string, node }]);
      setDockTab(key);
    },
    [live.lab],
  );
  const closeTerm = useCallback((key: string) => {
    setTerms((t) => {
      const rest = t.filter((x) => x.key !== key);
      setDockTab((cur) => (cur === key ? (rest[rest.length - 1]?.key ?? 'counters') : cur));
      return rest;
    });
  }, []);
  // the Compare tab needs room for its charts: grow the dock when it opens
  const selectDockTab = useCallback((k: string) => {
    setDockTab(k);
    if (k === 'compare') setDockH((h) => Math.max(h, Math.min(440, Math.round(window.innerHeight * 0.55))));
    if (k === 'captures') setDockH((h) => Math.max(h, Math.min(520, Math.round(window.innerHeight * 0.6))));
  }, []);
  const updateTerm = useCallback((key: string, patch: Partial<TermTab>) => setTerms((t) => t.map((x) => (x.key === key ? { ...x, ...patch } : x))), []);

  // keyboard: undo / redo / open / save
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const k = e.key.toLowerCase();
      if (k === 's') {
        e.preventDefault();
        void onSave();
      } else if (k === 'o') {
        e.preventDefault();
        void onOpen();
      } else if (isEditable(e.target)) return;
      else if (k === 'z' && !e.shiftKey) {
        e.preventDefault();
        store.undo();
      } else if ((k === 'z' && e.shiftKey) || k === 'y') {
        e.preventDefault();
        store.redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, onSave, onOpen]);

  // Electron menu commands
  useEffect(
    () =>
      shell?.onMenu((cmd) => {
        if (cmd === 'open') void onOpen();
        else if (cmd === 'save') void onSave();
        else if (cmd === 'undo') store.undo();
        else if (cmd === 'redo') store.redo();
        else if (cmd === 'new') load(emptyDoc());
      }),
    [shell, onOpen, onSave, store, load],
  );

  const blockedReason = validation.issues.length ? `Fix ${validation.issues.length} problem(s) first (see Problems).` : validation.error ? `Validation unavailable: ${validation.error}` : undefined;
  const nodeStates = deployed || live.busy ? live.nodeStates : {};

  return (
    <div className="app" data-testid="app">
      <Toolbar
        labName={doc.name}
        templates={templates}
        onNew={() => load(emptyDoc())}
        onTemplate={onTemplate}
        onOpen={onOpen}
        onSave={onSave}
        onUndo={store.undo}
        onRedo={store.redo}
        canUndo={store.canUndo}
        canRedo={store.canRedo}
        onLayout={() => load(autoLayout(doc))}
        deployed={deployed}
        busy={live.busy}
        progress={live.progress}
        blockedReason={blockedReason}
        onDeploy={() => void live.deploy(doc)}
        onDestroy={() => void live.destroy()}
      />
      {engineDown && <Banner testid="engine-banner" message={`Cannot reach the lblab engine: ${engineDown}`} />}
      {info && !info.docker.available && <Banner testid="docker-banner" message={`Docker is not available: ${info.docker.message ?? 'no Docker engine found'}. You can draw and save labs; deploying needs Docker.`} />}
      <div className="main" style={{ gridTemplateColumns: `240px 1fr 6px ${inspW}px` }}>
        <aside className="sidebar left">
          <Palette onAdd={onAdd} />
          <IssuesPanel issues={validation.issues} checking={validation.checking} error={validation.error} onSelect={setSelection} />
        </aside>
        <div className="center" style={{ gridTemplateRows: `1fr 6px ${dockH}px` }}>
          <Canvas doc={doc} edit={edit} seal={seal} selection={selection} onSelect={setSelection} issues={issueIx} nodeStates={nodeStates} notify={(m) => notify(m, 'warn')} onNodeOpen={(n) => deployed && openTerminal(n)} />
          <Splitter direction="y" value={dockH} onChange={setDockH} min={120} max={700} invert label="Resize the dock" />
          <Dock
            client={client}
            active={dockTab}
            setActive={selectDockTab}
            terms={terms}
            updateTerm={updateTerm}
            closeTerm={closeTerm}
            deployed={deployed}
            stats={live.stats}
            history={live.history}
            lab={deployed ? live.lab : null}
            services={deployed ? (live.status?.services ?? []) : []}
            liveStatus={deployed ? live.status : null}
            canvasPick={selection.type === 'link' ? { node: selection.node, network: doc.nodes[selection.node]?.links[selection.index]?.network } : selection.type === 'node' ? { node: selection.name } : null}
          />
        </div>
        <Splitter direction="x" value={inspW} onChange={setInspW} min={260} max={640} invert label="Resize the inspector" />
        <aside className="sidebar right">
          <Inspector
            doc={doc}
            edit={edit}
            seal={seal}
            select={setSelection}
            selection={selection}
            issues={issueIx}
            deployed={deployed}
            live={live.status}
            onModeChange={onModeChange}
            onOpenTerminal={openTerminal}
          />
        </aside>
      </div>
      <Toasts toasts={toasts} dismiss={dismiss} />
      <input
        ref={fileInput}
        type="file"
        accept=".yaml,.yml"
        hidden
        data-testid="file-input"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) await openText(await f.text(), f.name);
        }}
      />
    </div>
  );
}
