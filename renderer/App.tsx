// The lblab window: toolbar, palette + problems, canvas + dock, inspector.
import { useCallback, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { LabDoc } from '../electron/api';
import type { ApiClient } from './api-client';
import { Canvas } from './components/canvas/Canvas';
import { ConfirmDialog } from './components/ConfirmDialog';
import { Dock } from './components/dock/Dock';
import { EnginePicker } from './components/engines/EnginePicker';
import { useDock } from './components/dock/useDock';
import { useRelinkAfterDeploy } from './components/dock/useTerminals';
import { FieldIssues } from './components/inspector/field-issues';
import { Inspector } from './components/inspector/Inspector';
import { IssuesPanel } from './components/IssuesPanel';
import { Palette } from './components/Palette';
import { Splitter } from './components/Splitter';
import { Banner, Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { unreachableNodes } from './lib/hosts';
import type { DoctorHighlight } from './lib/doctor-data';
import type { JourneyHighlight } from './lib/journey-data';
import { addElement, emptyDoc, type ElementKind } from './state/doc-ops';
import { useDocHistory } from './state/history';
import { deletionImpact } from './state/impact';
import { indexIssues } from './state/issues';
import { autoLayout } from './state/layout';
import { LiveLabContext } from './state/live-lab-context';
import type { Selection } from './state/selection';
import { useConfirm } from './state/useConfirm';
import { useLatest } from './state/useLatest';
import { useLiveLab } from './state/useLiveLab';
import { useToasts } from './state/useToasts';
import { useValidation } from './state/useValidation';
import { useBreakIt } from './workbench/useBreakIt';
import { useCommands } from './workbench/useCommands';
import { useEngineInfo } from './workbench/useEngineInfo';
import { useIssueFocus } from './workbench/useIssueFocus';
import { useLabFile } from './workbench/useLabFile';
import { useLiveLabView } from './workbench/useLiveLabView';
import { useModeSwitch } from './workbench/useModeSwitch';
import { useTranslation } from './i18n';

export function App({ client, initialDoc }: { client: ApiClient; initialDoc?: LabDoc }) {
  return (
    <ReactFlowProvider>
      <Workbench client={client} initialDoc={initialDoc ?? emptyDoc()} />
    </ReactFlowProvider>
  );
}

function Workbench({ client, initialDoc }: { client: ApiClient; initialDoc: LabDoc }) {
  const { api, shell } = client;
  const store = useDocHistory(initialDoc);
  const { doc, edit, seal } = store;
  const latest = useLatest(doc);
  const { t } = useTranslation();
  const { toasts, notify, dismiss, dismissErrors } = useToasts();
  const { question, ask, answer } = useConfirm();
  const [selection, setSelection] = useState<Selection>({ type: 'lab' });
  const [inspW, setInspW] = useState(330);
  const [journeyPath, setJourneyPath] = useState<JourneyHighlight | null>(null);
  const [doctorMark, setDoctorMark] = useState<DoctorHighlight | null>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const flow = useReactFlow();
  /** Fit the view to a drawing once it is on the canvas. Never for an empty one: React Flow would keep the
   * request until the first node appears and then zoom onto it, under the next drop. */
  const fitTo = useCallback(
    (d: LabDoc) => {
      if (Object.keys(d.nodes).length + Object.keys(d.networks).length > 0) setTimeout(() => flow.fitView({ padding: 0.25, maxZoom: 1.2 }), 60);
    },
    [flow],
  );

  const engine = useEngineInfo(api);
  const validation = useValidation(api, doc);
  const issueIx = useMemo(() => indexIssues(doc, validation.issues), [doc, validation.issues]);
  const live = useLiveLab(client, notify, doc.name);
  const deployed = live.lab !== null && live.lab === doc.name;
  const hostsDown = useMemo(() => (deployed ? unreachableNodes(live.status) : undefined), [deployed, live.status]);
  const dock = useDock();
  useRelinkAfterDeploy(live.deploys, live.lab, live.status?.nodes.map((n) => n.name) ?? [], dock.terminals.relink);
  const modes = useModeSwitch({ api, live, deployed, latest, edit, notify });
  const breakIt = useBreakIt({ api, live, deployed, notify });
  /** faults made on purpose, by node, while the drawing is the running lab */
  const broken = useMemo(() => {
    const out: Record<string, string[]> = {};
    if (deployed) for (const b of live.status?.breaks ?? []) out[b.node] = [...(out[b.node] ?? []), b.fault];
    return out;
  }, [deployed, live.status]);
  const { clear: clearRefusals } = modes;
  const onLoaded = useCallback(
    (laid: LabDoc) => {
      setSelection({ type: 'lab' });
      clearRefusals();
      fitTo(laid);
    },
    [clearRefusals, fitTo],
  );
  const file = useLabFile({ client, doc, edit, deployed, ask, notify, onLoaded });
  const liveView = useLiveLabView({ client, live, doc, latest, deployed, validation, ask, terms: dock.terminals.terms, showRunning: file.showRunning, onDeploy: clearRefusals });
  useCommands(shell, { open: () => void file.open(), save: () => void file.save(), newLab: () => void file.newLab(), undo: store.undo, redo: store.redo });
  const { inspector, onIssue } = useIssueFocus(setSelection);

  const confirmDelete = useCallback(
    async (nodes: string[], networks: string[]) => {
      const lines = deletionImpact(latest.current, nodes, networks);
      if (!lines.length) return true;
      const names = [...nodes, ...networks];
      return ask({ title: t('app.deleteTitle', { names: names.join(', ') }), lines, confirm: t('common.delete'), danger: true });
    },
    [ask, latest, t],
  );

  /** A palette item pressed: the new element goes to the middle of the canvas, a little aside from the last. */
  const onAdd = useCallback(
    (kind: ElementKind) => {
      const vp = flow.getViewport();
      const r = canvas.current?.getBoundingClientRect();
      const n = Object.keys(doc.nodes).length + Object.keys(doc.networks).length;
      const center = r ? flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: -vp.x, y: -vp.y };
      const { doc: next, name } = addElement(doc, kind, { x: center.x - 75 + (n % 5) * 24, y: center.y - 32 + (n % 5) * 24 });
      edit(next);
      setSelection(kind === 'network' ? { type: 'network', name } : { type: 'node', name });
    },
    [doc, edit, flow],
  );

  const openTerminal = useCallback(
    (node: string) => {
      if (live.lab) dock.terminals.open(live.lab, node);
    },
    [live.lab, dock.terminals],
  );

  const { info, engineDown, switched } = engine;
  return (
    <LiveLabContext value={liveView}>
      <div className="app" data-testid="app">
        <Toolbar
          store={store}
          file={file}
          onLayout={() => {
            const laid = autoLayout(doc);
            edit(laid);
            fitTo(laid);
          }}
          engine={<EnginePicker api={api} info={info} onInfo={switched} />}
        />
        {engineDown && <Banner testid="engine-banner" message={t('app.engineDown', { why: engineDown })} />}
        {info && !info.docker.available && <Banner testid="docker-banner" message={t('app.dockerDown', { why: info.docker.message ?? t('app.noDocker') })} />}
        <div className="main" style={{ gridTemplateColumns: `240px 1fr 6px ${inspW}px` }}>
          <aside className="sidebar left">
            <Palette onAdd={onAdd} />
            <IssuesPanel issues={validation.issues} checking={validation.checking} error={validation.error} onSelect={onIssue} />
          </aside>
          <div className="center" style={{ gridTemplateRows: `1fr 6px ${dock.height}px` }}>
            <Canvas
              ref={canvas}
              doc={doc}
              edit={edit}
              seal={seal}
              selection={selection}
              onSelect={setSelection}
              issues={issueIx}
              nodeStates={deployed || live.busy ? live.nodeStates : {}}
              hostsDown={hostsDown}
              notify={(m) => notify(m, 'warn')}
              onNodeOpen={(n) => deployed && openTerminal(n)}
              confirmDelete={confirmDelete}
              journey={journeyPath}
              broken={broken}
              doctor={deployed ? doctorMark : null}
              nodeMenu={breakIt.menuFor}
            />
            <Splitter direction="y" value={dock.height} onChange={dock.setHeight} min={120} max={700} invert label={t('app.resizeDock')} />
            <Dock
              dock={dock}
              onJourneyPath={setJourneyPath}
              onDoctorHighlight={setDoctorMark}
              canvasPick={selection.type === 'link' ? { node: selection.node, network: doc.nodes[selection.node]?.links[selection.index]?.network } : selection.type === 'node' ? { node: selection.name } : null}
            />
          </div>
          <Splitter direction="x" value={inspW} onChange={setInspW} min={260} max={640} invert label={t('app.resizeInspector')} />
          <aside className="sidebar right" ref={inspector}>
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
                onModeChange={(s, m) => void modes.change(s, m)}
                onOpenTerminal={openTerminal}
                confirmDelete={confirmDelete}
                ask={ask}
                listEngines={api.listEngines}
                checkModes={api.modeAvailability}
                modeRefusals={modes.refusals}
              />
            </FieldIssues.Provider>
          </aside>
        </div>
        <Toasts toasts={toasts} dismiss={dismiss} dismissErrors={dismissErrors} />
        <ConfirmDialog question={question} answer={answer} />
        <input
          ref={file.input}
          type="file"
          accept=".yaml,.yml"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void file.chosen(f);
          }}
        />
      </div>
    </LiveLabContext>
  );
}
