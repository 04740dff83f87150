// The lblab window: toolbar, palette + problems, canvas + dock, inspector.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { AppInfo, LabDoc, LabIssue, Mode, TemplateInfo } from '../electron/api';
import { oneLine, type ApiClient } from './api-client';
import { Canvas } from './components/canvas/Canvas';
import { ConfirmDialog } from './components/ConfirmDialog';
import { Dock } from './components/dock/Dock';
import { FieldIssues, focusField } from './components/inspector/field-issues';
import { Inspector } from './components/inspector/Inspector';
import { IssuesPanel, targetOf } from './components/IssuesPanel';
import { Palette } from './components/Palette';
import { Splitter } from './components/Splitter';
import { Banner, Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { saveLab } from './lib/files';
import type { JourneyHighlight } from './lib/journey-data';
import { addElement, emptyDoc, setService, type ElementKind } from './state/doc-ops';
import { labDiff, redeployEffect } from './state/drift';
import { useDocHistory } from './state/history';
import { deletionImpact } from './state/impact';
import { indexIssues, issueText, pathKey } from './state/issues';
import { autoLayout, needsLayout } from './state/layout';
import type { Selection } from './state/selection';
import { useConfirm } from './state/useConfirm';
import { useLiveLab } from './state/useLiveLab';
import { useRelinkAfterDeploy, useTerminals } from './state/useTerminals';
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
  const docRef = useRef(doc);
  docRef.current = doc;
  const { toasts, notify, dismiss, dismissErrors } = useToasts();
  const { question, ask, answer } = useConfirm();
  const [selection, setSelection] = useState<Selection>({ type: 'lab' });
  const [focusReq, setFocusReq] = useState<{ path: string; n: number } | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [engineDown, setEngineDown] = useState<string | null>(null);
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  const [dockTab, setDockTab] = useState('counters');
  const [dockH, setDockH] = useState(260);
  const [inspW, setInspW] = useState(330);
  const [journeyPath, setJourneyPath] = useState<JourneyHighlight | null>(null);
  const [modeRefusals, setModeRefusals] = useState<Record<string, string>>({});
  /** the document as last opened, loaded or saved: anything else on the canvas is unsaved work */
  const [savedKey, setSavedKey] = useState(() => JSON.stringify(initialDoc));
  const fileInput = useRef<HTMLInputElement>(null);
  const flow = useReactFlow();
  /** Fit the view to a drawing once it is on the canvas. Never for an empty one: React Flow would keep the
   * request until the first node appears and then zoom onto it, under the next drop. */
  const fitTo = useCallback(
    (d: LabDoc) => {
      if (Object.keys(d.nodes).length + Object.keys(d.networks).length > 0) setTimeout(() => flow.fitView({ padding: 0.25, maxZoom: 1.2 }), 60);
    },
    [flow],
  );

  const validation = useValidation(api, doc);
  const issueIx = useMemo(() => indexIssues(doc, validation.issues), [doc, validation.issues]);
  const live = useLiveLab(client, notify, doc.name);
  const deployed = live.lab !== null && live.lab === doc.name;
  const dirty = JSON.stringify(doc) !== savedKey;
  const selectDockTab = useCallback((k: string) => {
    setDockTab(k);
    // the Compare, Packet journey and Captures tabs need room: grow the dock when one opens
    if (k === 'compare' || k === 'journey') setDockH((h) => Math.max(h, Math.min(k === 'journey' ? 520 : 440, Math.round(window.innerHeight * 0.55))));
    if (k === 'captures') setDockH((h) => Math.max(h, Math.min(520, Math.round(window.innerHeight * 0.6))));
  }, []);
  const terminals = useTerminals(selectDockTab);
  useRelinkAfterDeploy(live.deploys, live.lab, live.status?.nodes.map((n) => n.name) ?? [], terminals.relink);

  const running = deployed ? live.status?.doc : undefined;
  const drift = useMemo(() => {
    if (!running || live.switching) return null;
    const changes = labDiff(running, doc);
    return { changes, effect: redeployEffect(changes, running) };
  }, [running, doc, live.switching]);

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

  /** Ask before the canvas gets another drawing when that loses unsaved work or hides a running lab. */
  const mayReplace = useCallback(
    async (action: string, what: string) => {
      const lines: string[] = [];
      if (dirty) lines.push(`Unsaved changes to ${doc.name} will be lost (Save first to keep them).`);
      if (deployed)
        lines.push(`Lab ${doc.name} keeps running and stays tracked: Destroy still removes it, and “show it” or opening its file brings its drawing back.`);
      if (!lines.length) return true;
      return ask({ title: `${action}: replace the drawing with ${what}?`, lines, confirm: action });
    },
    [ask, dirty, deployed, doc.name],
  );

  const load = useCallback(
    (next: LabDoc, fit = true) => {
      const laid = needsLayout(next) ? autoLayout(next) : next;
      edit(laid);
      setSavedKey(JSON.stringify(laid));
      setSelection({ type: 'lab' });
      setModeRefusals({});
      if (fit) fitTo(laid);
    },
    [edit, fitTo],
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
        if (!(await mayReplace('Open', source))) return;
        load(r.doc);
        notify(`Opened ${source}.`, 'success');
      } catch (e) {
        notify(`${source}: ${oneLine(e)}`);
      }
    },
    [api, load, notify, mayReplace],
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
      const saving = docRef.current;
      const text = await api.formatLab(saving);
      const saved = await saveLab(shell, text, saving.name);
      if (!saved) return; // the save dialog was cancelled
      setSavedKey(JSON.stringify(saving));
      notify(saved.path ? `Saved to ${saved.path}.` : `Downloaded as ${saved.fileName} to your browser's download folder.`, 'success');
    } catch (e) {
      notify(`Save failed: ${oneLine(e)}`);
    }
  }, [api, shell, notify]);

  const onNew = useCallback(async () => {
    if (await mayReplace('New', 'an empty lab')) load(emptyDoc());
  }, [mayReplace, load]);

  const onTemplate = useCallback(
    async (id: string) => {
      const title = templates.find((t) => t.id === id)?.title ?? id;
      if (!(await mayReplace('Template', `the template “${title}”`))) return;
      try {
        load(await api.getTemplate(id));
      } catch (e) {
        notify(`Template ${id}: ${oneLine(e)}`);
      }
    },
    [api, load, notify, mayReplace, templates],
  );

  const onShowRunning = useCallback(async () => {
    const d = live.status?.doc;
    if (d && (await mayReplace('Show', `the drawing of running lab ${d.name}`))) load(d);
  }, [live.status, mayReplace, load]);

  const confirmDelete = useCallback(
    async (nodes: string[], networks: string[]) => {
      const lines = deletionImpact(docRef.current, nodes, networks);
      if (!lines.length) return true;
      const names = [...nodes, ...networks];
      return ask({ title: `Delete ${names.join(', ')}?`, lines, confirm: 'Delete', danger: true });
    },
    [ask],
  );

  const onDeploy = useCallback(async () => {
    if (deployed && live.status) {
      const changes = drift?.changes ?? [];
      const healthy = live.status.state === 'running';
      if (changes.length || !healthy) {
        const lines = [
          ...(changes.length
            ? [`${changes.length} change${changes.length === 1 ? '' : 's'} from the running lab (see “drawing differs”).`]
            : [`The lab is degraded: ${live.status.reason ?? 'some of its containers are not running'}.`]),
          // the same drawing on a degraded lab: up repairs it in place (same containers)
          changes.length && running ? redeployEffect(changes, running) : changes.length ? 'Redeploy recreates the lab.' : 'Deploy repairs it in place (same containers) where it can, else recreates it.',
        ];
        if (!(await ask({ title: `Redeploy lab ${doc.name}?`, lines, confirm: 'Redeploy' }))) return;
      }
    }
    setModeRefusals({});
    await live.deploy(docRef.current);
  }, [deployed, live, drift, running, ask, doc.name]);

  const onDestroy = useCallback(async () => {
    const name = live.lab;
    if (!name) return;
    const n = live.status?.nodes.length ?? 0;
    const open = terminals.terms.filter((t) => t.lab === name && !t.ended).length;
    const lines = [
      `Its ${n} container${n === 1 ? '' : 's'} and ${live.status?.networks.length ?? 0} network(s) are removed${open ? `; ${open} open terminal${open === 1 ? '' : 's'} close` : ''}.`,
      deployed ? 'The drawing stays on the canvas.' : `The canvas shows another drawing (${doc.name}); it stays.`,
    ];
    if (await ask({ title: `Destroy lab ${name}?`, lines, confirm: 'Destroy', danger: true })) await live.destroy();
  }, [live, terminals.terms, deployed, doc.name, ask]);

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
    async (service: string, mode: Mode) => {
      const before = docRef.current.services?.[service]?.mode;
      edit(setService(docRef.current, service, { mode }));
      setModeRefusals(({ [service]: _, ...rest }) => rest);
      const runs = deployed && live.status?.services.some((s) => s.name === service);
      if (!runs || !before || before === mode) return;
      // the running lab must be able to run it: the engine's checks on the running document first
      // (a refusal needs no failed call), then the switch itself, which may refuse too
      const runningDoc = live.status?.doc;
      const check = runningDoc ? await api.modeAvailability(runningDoc, service).catch(() => []) : [];
      const why = check.find((a) => a.mode === mode && !a.ok)?.reason ?? (await live.setMode(service, mode));
      if (!why) return;
      // put the select back (unless it was changed again meanwhile) and say why
      const cur = docRef.current;
      if (cur.services?.[service]?.mode === mode) edit(setService(cur, service, { mode: before }));
      setModeRefusals((r) => ({ ...r, [service]: `${service} cannot run in ${mode} on the running lab: ${why}` }));
      notify(`Mode switch refused: ${service} stays in ${before} (${why})`, 'warn');
    },
    [edit, deployed, live, api, notify],
  );

  const openTerminal = useCallback(
    (node: string) => {
      if (live.lab) terminals.open(live.lab, node);
    },
    [live.lab, terminals],
  );

  // a problem pressed: select its element, then focus the field it is about
  const onIssue = useCallback((i: LabIssue) => {
    const t = targetOf(i);
    if (t) setSelection(t);
    setFocusReq((f) => ({ path: pathKey(i.path), n: (f?.n ?? 0) + 1 }));
  }, []);
  useEffect(() => {
    if (!focusReq) return;
    const root = document.querySelector('[data-testid="inspector"]');
    if (root) focusField(root, focusReq.path);
  }, [focusReq]);

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
        else if (cmd === 'new') void onNew();
      }),
    [shell, onOpen, onSave, store, onNew],
  );

  const blockedReason =
    Object.keys(doc.nodes).length === 0
      ? 'Nothing to deploy: the lab has no nodes. Drag some from the palette, or start from a template.'
      : validation.issues.length
        ? `Fix ${validation.issues.length} problem${validation.issues.length === 1 ? '' : 's'} first (see Problems).`
        : validation.error
          ? `Validation unavailable: ${validation.error}`
          : validation.checking
            ? 'Checking the drawing…'
            : undefined;
  const nodeStates = deployed || live.busy ? live.nodeStates : {};

  return (
    <div className="app" data-testid="app">
      <Toolbar
        labName={doc.name}
        templates={templates}
        onNew={() => void onNew()}
        onTemplate={(id) => void onTemplate(id)}
        onOpen={onOpen}
        onSave={onSave}
        onUndo={store.undo}
        onRedo={store.redo}
        canUndo={store.canUndo}
        canRedo={store.canRedo}
        onLayout={() => {
          const laid = autoLayout(doc);
          edit(laid);
          fitTo(laid);
        }}
        deployed={deployed}
        degraded={live.status?.state === 'degraded' ? (live.status.reason ?? 'degraded') : undefined}
        runningLab={live.lab}
        onShowRunning={live.status?.doc ? () => void onShowRunning() : undefined}
        drift={drift}
        busy={live.busy}
        progress={live.progress}
        blockedReason={blockedReason}
        onDeploy={() => void onDeploy()}
        onDestroy={() => void onDestroy()}
      />
      {engineDown && <Banner testid="engine-banner" message={`Cannot reach the lblab engine: ${engineDown}`} />}
      {info && !info.docker.available && <Banner testid="docker-banner" message={`Docker is not available: ${info.docker.message ?? 'no Docker engine found'}. You can draw and save labs; deploying needs Docker.`} />}
      <div className="main" style={{ gridTemplateColumns: `240px 1fr 6px ${inspW}px` }}>
        <aside className="sidebar left">
          <Palette onAdd={onAdd} />
          <IssuesPanel issues={validation.issues} checking={validation.checking} error={validation.error} onSelect={onIssue} />
        </aside>
        <div className="center" style={{ gridTemplateRows: `1fr 6px ${dockH}px` }}>
          <Canvas
            doc={doc}
            edit={edit}
            seal={seal}
            selection={selection}
            onSelect={setSelection}
            issues={issueIx}
            nodeStates={nodeStates}
            notify={(m) => notify(m, 'warn')}
            onNodeOpen={(n) => deployed && openTerminal(n)}
            confirmDelete={confirmDelete}
            journey={journeyPath}
          />
          <Splitter direction="y" value={dockH} onChange={setDockH} min={120} max={700} invert label="Resize the dock" />
          <Dock
            client={client}
            active={dockTab}
            setActive={selectDockTab}
            terms={terminals.terms}
            termEnded={terminals.ended}
            reconnectTerm={live.lab && !live.busy ? terminals.reconnect : undefined}
            closeTerm={(key) => terminals.close(key, dockTab)}
            deployed={deployed}
            stats={live.stats}
            history={live.history}
            lab={deployed ? live.lab : null}
            services={deployed ? (live.status?.services ?? []) : []}
            clients={deployed ? (live.status?.nodes ?? []).filter((n) => n.kind === 'client').map((n) => n.name) : []}
            onJourneyPath={setJourneyPath}
            liveStatus={deployed ? live.status : null}
            canvasPick={selection.type === 'link' ? { node: selection.node, network: doc.nodes[selection.node]?.links[selection.index]?.network } : selection.type === 'node' ? { node: selection.name } : null}
          />
        </div>
        <Splitter direction="x" value={inspW} onChange={setInspW} min={260} max={640} invert label="Resize the inspector" />
        <aside className="sidebar right">
          <FieldIssues.Provider value={issueIx.fields}>
            <Inspector
              doc={doc}
              edit={edit}
              seal={seal}
              select={setSelection}
              selection={selection}
              issues={issueIx}
              deployed={deployed}
              live={live.status}
              onModeChange={(s, m) => void onModeChange(s, m)}
              onOpenTerminal={openTerminal}
              confirmDelete={confirmDelete}
              checkModes={api.modeAvailability}
              modeRefusals={deployed ? modeRefusals : {}}
            />
          </FieldIssues.Provider>
        </aside>
      </div>
      <Toasts toasts={toasts} dismiss={dismiss} dismissErrors={dismissErrors} />
      <ConfirmDialog question={question} answer={answer} />
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
