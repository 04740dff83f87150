// The topology canvas: lab nodes and networks as React Flow nodes, links as
// edges (node → network). Drop from the palette to add, drag handles to link.
import { useCallback, useEffect, useMemo, useState, type DragEvent, type Ref } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
  type OnBeforeDelete,
  type OnDelete,
} from '@xyflow/react';
import { balancersOf, type LabDoc, type NodeStatus } from '../../../electron/api';
import { addElement, addLink, linkId, netId, nodeId, parseId, removeLink, removeNetwork, removeNode, setPosition, type ElementKind } from '../../state/doc-ops';
import type { IssueIndex } from '../../state/issues';
import { DRAG_MIME, type Selection } from '../../state/selection';
import type { DoctorHighlight } from '../../lib/doctor-data';
import { overlayNetworks, type HostDown } from '../../lib/hosts';
import { edgeKey, litEdges, litElements, type JourneyHighlight, type Leg } from '../../lib/journey-data';
import { JourneyEdge } from './JourneyEdge';
import { hostData, overlayData } from './host-data';
import { NodeMenu, type NodeMenuEntry } from './NodeMenu';
import { nodeTypes, type LabFlowNode, type NetFlowNode, type TierFlowNode } from './nodes';
import { tierBoxes } from './tier-group';
import { useTranslation } from '../../i18n';
import { say } from '../../i18n/said';
import type { Notice } from '../../state/useToasts';

export interface CanvasProps {
  doc: LabDoc;
  edit(doc: LabDoc, coalesce?: string): void;
  seal(): void;
  selection: Selection;
  onSelect(s: Selection): void;
  issues: IssueIndex;
  nodeStates: Record<string, NodeStatus['state'] | 'deploying'>;
  /** nodes of the running lab whose host does not answer */
  hostsDown?: Map<string, HostDown>;
  notify(message: Notice): void;
  /** double-click on a node (opens a terminal when the lab runs) */
  onNodeOpen?(node: string): void;
  /** a packet journey's path to draw over the topology (request and response lanes) */
  journey?: JourneyHighlight | null;
  /** ask before deleting what others use (a network's links, a node's service roles); true: go ahead */
  confirmDelete?(nodes: string[], networks: string[]): Promise<boolean>;
  /** faults made on purpose, by node (the running lab's record) */
  broken?: Record<string, string[]>;
  /** the node the Doctor tab points at */
  doctor?: DoctorHighlight | null;
  /** a node's menu (right-click); none: no menu */
  nodeMenu?(node: string): NodeMenuEntry[];
  /** the canvas's element (where a palette click puts a new element) */
  ref?: Ref<HTMLDivElement>;
}

const KINDS: ElementKind[] = ['client', 'balancer', 'server', 'router', 'network'];
const edgeTypes = { journey: JourneyEdge };
/** `journey-on journey-request journey-response` for what a journey's legs went through */
const journeyClass = (legs: Set<Leg> | undefined) => (legs?.size ? ['journey-on', ...[...legs].map((l) => `journey-${l}`)].join(' ') : undefined);

export function Canvas({ doc, edit, seal, selection, onSelect, issues, nodeStates, hostsDown, notify, onNodeOpen, journey, confirmDelete, broken, doctor, nodeMenu, ref }: CanvasProps) {
  const { t } = useTranslation();
  const flow = useReactFlow();
  const [dims, setDims] = useState<Record<string, { width: number; height: number }>>({});
  /** the open node menu: which node, where */
  const [menu, setMenu] = useState<{ node: string; x: number; y: number } | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);

  const serviceOf = useMemo(() => {
    const m: Record<string, string> = {};
    for (const [s, svc] of Object.entries(doc.services ?? {})) {
      for (const b of balancersOf(svc)) if (b) m[b] = m[b] ? `${m[b]}, ${s}` : `${s} · ${svc.mode}`;
    }
    return m;
  }, [doc.services]);

  const overlays = useMemo(() => overlayNetworks(doc), [doc]);

  const lit = useMemo(() => {
    if (!journey) return null;
    const edges = litEdges(journey, doc);
    return { edges, ...litElements(journey, edges) };
  }, [journey, doc]);

  // a journey appearing (the dock grew for it): bring the whole topology into view
  const journeyShown = !!lit;
  useEffect(() => {
    if (journeyShown) void flow.fitView({ padding: 0.2, maxZoom: 1.2, duration: 250 });
  }, [journeyShown, flow]);

  const nodes = useMemo<Node[]>(() => {
    const out: Node[] = [];
    // tiers first, so drawn underneath (a negative zIndex would put them behind the pane): a box around each
    // tier's members, not their parent (they keep their positions); clicks go through it
    for (const b of tierBoxes(doc, (m) => dims[nodeId(m)])) {
      const tn: TierFlowNode = {
        id: `tier:${b.service}`,
        type: 'tier',
        position: { x: b.x, y: b.y },
        draggable: false,
        selectable: false,
        connectable: false,
        focusable: false,
        style: { pointerEvents: 'none' },
        // its size is known, not measured: React Flow shows a node once it has dimensions
        width: b.width,
        height: b.height,
        data: { service: b.service, mode: b.mode, members: b.members, width: b.width, height: b.height },
        ...(dims[`tier:${b.service}`] ? { measured: dims[`tier:${b.service}`] } : {}),
      };
      out.push(tn);
    }
    for (const [name, n] of Object.entries(doc.nodes)) {
      const id = nodeId(name);
      const fn: LabFlowNode = {
        id,
        type: 'lab',
        position: n.position ?? { x: 0, y: 0 },
        selected: selection.type === 'node' && selection.name === name,
        className: journeyClass(lit?.nodes.get(name)),
        data: {
          name,
          kind: n.kind,
          issues: issues.nodes.get(name) ?? [],
          state: nodeStates[name],
          subtitle: n.kind === 'balancer' && serviceOf[name] ? serviceOf[name] : undefined,
          ...hostData(doc, name, hostsDown),
          ...(!!broken?.[name]?.length && { broken: broken[name] }),
          ...(doctor?.node === name && { doctor: doctor.severity }),
        },
        ...(dims[id] ? { measured: dims[id] } : {}),
      };
      out.push(fn);
    }
    for (const [name, n] of Object.entries(doc.networks)) {
      const id = netId(name);
      const fn: NetFlowNode = {
        id,
        type: 'net',
        position: n.position ?? { x: 0, y: 0 },
        selected: selection.type === 'network' && selection.name === name,
        className: journeyClass(lit?.networks.get(name)),
        data: { name, subnet: n.subnet, issues: issues.networks.get(name) ?? [], ...overlayData(doc, overlays.get(name)) },
        ...(dims[id] ? { measured: dims[id] } : {}),
      };
      out.push(fn);
    }
    return out;
  }, [doc, selection, issues, nodeStates, hostsDown, overlays, dims, serviceOf, lit, broken, doctor, t]);

  const edges = useMemo<Edge[]>(() => {
    const out: Edge[] = [];
    for (const [name, n] of Object.entries(doc.nodes)) {
      n.links.forEach((l, i) => {
        if (!doc.networks[l.network]) return;
        const id = linkId(name, i);
        const bad = issues.links.get(id);
        const label = [l.address, l.rate].filter(Boolean).join(' · ');
        const srcBelow = (n.position?.y ?? 0) > (doc.networks[l.network].position?.y ?? 0);
        const crossed = lit?.edges.get(edgeKey(name, l.network));
        out.push({
          ...(crossed ? { type: 'journey', zIndex: 1 } : {}),
          id,
          source: nodeId(name),
          target: netId(l.network),
          sourceHandle: srcBelow ? 't' : 'b',
          targetHandle: srcBelow ? 'b' : 't',
          selected: selection.type === 'link' && selection.node === name && selection.index === i,
          className: [bad ? 'edge-issue' : '', crossed ? 'journey-edge' : ''].filter(Boolean).join(' ') || undefined,
          label: bad ? `⚠ ${label}`.trim() : label || undefined,
          data: { issues: bad ?? [], ...(crossed ? { uses: crossed.uses } : {}) },
          ariaLabel: t('canvas.linkLabel', { node: name, network: l.network }),
        });
      });
    }
    return out;
  }, [doc.nodes, doc.networks, issues, selection, lit, t]);

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      let next = doc;
      let dimsChanged: Record<string, { width: number; height: number }> | null = null;
      let dragKey: string | undefined;
      for (const c of changes) {
        if (c.type === 'position' && c.position) {
          const id = parseId(c.id);
          if (id && id.type !== 'link') next = setPosition(next, id, c.position);
          dragKey = `drag:${c.id}`;
        } else if (c.type === 'dimensions' && c.dimensions) {
          dimsChanged = { ...(dimsChanged ?? {}), [c.id]: c.dimensions };
        } else if (c.type === 'select' && c.selected) {
          const id = parseId(c.id);
          if (id?.type === 'node') onSelect({ type: 'node', name: id.name });
          else if (id?.type === 'network') onSelect({ type: 'network', name: id.name });
        }
      }
      if (dimsChanged) {
        const d = dimsChanged;
        setDims((prev) => ({ ...prev, ...d }));
      }
      if (next !== doc) edit(next, dragKey);
    },
    [doc, edit, onSelect],
  );

  const onDelete: OnDelete = useCallback(
    ({ nodes: delNodes, edges: delEdges }) => {
      let next = doc;
      const gone = new Set<string>();
      for (const n of delNodes) {
        const id = parseId(n.id);
        if (id?.type === 'node') {
          next = removeNode(next, id.name);
          gone.add(id.name);
        } else if (id?.type === 'network') next = removeNetwork(next, id.name);
      }
      const links = delEdges
        .map((e) => parseId(e.id))
        .filter((p): p is { type: 'link'; node: string; index: number } => p?.type === 'link' && !gone.has(p.node))
        .sort((a, b) => b.index - a.index);
      for (const l of links) next = removeLink(next, l.node, l.index);
      if (next !== doc) {
        edit(next);
        onSelect({ type: 'lab' });
      }
    },
    [doc, edit, onSelect],
  );

  const onBeforeDelete: OnBeforeDelete = useCallback(
    async ({ nodes: delNodes }) => {
      if (!confirmDelete) return true;
      const ids = delNodes.map((n) => parseId(n.id));
      const names = (t: 'node' | 'network') => ids.flatMap((id) => (id?.type === t ? [id.name] : []));
      return confirmDelete(names('node'), names('network'));
    },
    [confirmDelete],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const a = parseId(c.source);
      const b = parseId(c.target);
      const node = a?.type === 'node' ? a.name : b?.type === 'node' ? b.name : undefined;
      const net = a?.type === 'network' ? a.name : b?.type === 'network' ? b.name : undefined;
      if (!node || !net) {
        notify(say('canvas.linkNodeToNetwork'));
        return;
      }
      if (doc.nodes[node]?.links.some((l) => l.network === net)) {
        notify(say('canvas.alreadyLinked', { node, network: net }));
        return;
      }
      const next = addLink(doc, node, net);
      edit(next);
      onSelect({ type: 'link', node, index: next.nodes[node].links.length - 1 });
    },
    [doc, edit, onSelect, notify, t],
  );

  const isValidConnection = useCallback((c: Connection | Edge) => {
    const a = parseId(c.source);
    const b = parseId(c.target);
    return !!a && !!b && a.type !== b.type;
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_MIME) || e.dataTransfer.types.includes('text/plain')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = (e.dataTransfer.getData(DRAG_MIME) || e.dataTransfer.getData('text/plain')) as ElementKind;
      if (!KINDS.includes(kind)) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const w = kind === 'network' ? 220 : 150;
      const h = kind === 'network' ? 40 : 64;
      const { doc: next, name } = addElement(doc, kind, { x: p.x - w / 2, y: p.y - h / 2 });
      edit(next);
      onSelect(kind === 'network' ? { type: 'network', name } : { type: 'node', name });
    },
    [doc, edit, flow, onSelect],
  );

  return (
    <div ref={ref} className={`canvas${lit ? ' journey-shown' : ''}`} data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        ariaLabelConfig={{
          'controls.ariaLabel': t('canvas.flow.controls'),
          'controls.fitView.ariaLabel': t('canvas.flow.fitView'),
          'controls.interactive.ariaLabel': t('canvas.flow.interactive'),
          'controls.zoomIn.ariaLabel': t('canvas.flow.zoomIn'),
          'controls.zoomOut.ariaLabel': t('canvas.flow.zoomOut'),
          'handle.ariaLabel': t('canvas.flow.handle'),
          'minimap.ariaLabel': t('canvas.flow.minimap'),
        }}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={seal}
        onBeforeDelete={onBeforeDelete}
        onDelete={onDelete}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeClick={(_, n) => {
          const id = parseId(n.id);
          if (id?.type === 'node') onSelect({ type: 'node', name: id.name });
          else if (id?.type === 'network') onSelect({ type: 'network', name: id.name });
        }}
        onNodeDoubleClick={(_, n) => {
          const id = parseId(n.id);
          if (id?.type === 'node') onNodeOpen?.(id.name);
        }}
        zoomOnDoubleClick={false}
        onEdgeClick={(_, e) => {
          const id = parseId(e.id);
          if (id?.type === 'link') onSelect({ type: 'link', node: id.node, index: id.index });
        }}
        onNodeContextMenu={(e, n) => {
          const id = parseId(n.id);
          if (id?.type !== 'node' || !nodeMenu) return;
          e.preventDefault();
          onSelect({ type: 'node', name: id.name });
          setMenu({ node: id.name, x: e.clientX, y: e.clientY });
        }}
        onMoveStart={closeMenu}
        onPaneClick={() => onSelect({ type: 'lab' })}
        deleteKeyCode={['Delete', 'Backspace']}
        onInit={(inst) => {
          // fit a document opened with the window; never re-fit while the user draws
          if (Object.keys(doc.nodes).length + Object.keys(doc.networks).length > 0) void inst.fitView({ padding: 0.25, maxZoom: 1.2 });
        }}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
        defaultEdgeOptions={{ type: 'straight' }}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable nodeStrokeWidth={2} style={{ width: 150, height: 96 }} bgColor="#11161c" maskColor="rgba(10,14,19,0.6)" nodeColor={(n) => (n.type === 'net' ? '#3b4a5a' : ((n.data as LabFlowNode['data']).host?.color ?? '#2f5d8a'))} />
      </ReactFlow>
      {menu && nodeMenu && doc.nodes[menu.node] && <NodeMenu node={menu.node} x={menu.x} y={menu.y} entries={nodeMenu(menu.node)} onClose={closeMenu} />}
      {lit && (
        <div className="journey-canvas-legend" data-testid="journey-canvas-legend">
          <span style={{ color: 'var(--journey-request)' }}>
            <i /> {t('canvas.request')}
          </span>
          <span style={{ color: 'var(--journey-response)' }}>
            <i /> {t('canvas.response')}
          </span>
        </div>
      )}
      {Object.keys(doc.nodes).length + Object.keys(doc.networks).length === 0 && (
        <div className="canvas-empty">
          <p>{t('canvas.emptyLine1')}</p>
          <p>{t('canvas.emptyLine2')}</p>
        </div>
      )}
    </div>
  );
}
