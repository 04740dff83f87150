// The two kinds of boxes on the canvas: a lab node (client, balancer, server,
// router) and a network. Handles are where links are dragged from / to.
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { NodeKind, NodeStatus } from '../../../electron/api';
import { KindIcon, Icon } from '../icons';

export interface LabNodeData extends Record<string, unknown> {
  name: string;
  kind: NodeKind;
  issues: string[];
  state?: NodeStatus['state'] | 'deploying';
  subtitle?: string;
}
export interface NetNodeData extends Record<string, unknown> {
  name: string;
  subnet?: string;
  issues: string[];
}
export type LabFlowNode = Node<LabNodeData, 'lab'>;
export type NetFlowNode = Node<NetNodeData, 'net'>;

export function StateBadge({ state, node }: { state?: LabNodeData['state']; node: string }) {
  if (!state) return null;
  return (
    <span className={`badge state-${state}`} data-testid={`node-state-${node}`} data-state={state} title={`container ${state}`}>
      {state}
    </span>
  );
}

export function LabNodeView({ data, selected }: NodeProps<LabFlowNode>) {
  const { name, kind, issues, state, subtitle } = data;
  const Ico = KindIcon[kind];
  return (
    <div
      className={`lab-node kind-${kind}${selected ? ' selected' : ''}${issues.length ? ' has-issues' : ''}`}
      data-testid={`node-${name}`}
      title={issues.length ? issues.join('\n') : undefined}
    >
      <Handle type="source" position={Position.Top} id="t" data-testid={`handle-${name}-top`} className="handle" />
      <div className="lab-node-icon">
        <Ico />
      </div>
      <div className="lab-node-text">
        <div className="lab-node-name">{name}</div>
        <div className="lab-node-kind">{subtitle ?? kind}</div>
      </div>
      <div className="lab-node-side">
        <StateBadge state={state} node={name} />
        {issues.length > 0 && (
          <span className="issue-mark" data-testid={`node-issue-${name}`} aria-label={`${issues.length} problem(s)`}>
            <Icon.warn />
            {issues.length}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Bottom} id="b" data-testid={`handle-${name}-bottom`} className="handle" />
    </div>
  );
}

export function NetNodeView({ data, selected }: NodeProps<NetFlowNode>) {
  const { name, subnet, issues } = data;
  return (
    <div
      className={`net-node${selected ? ' selected' : ''}${issues.length ? ' has-issues' : ''}`}
      data-testid={`network-${name}`}
      title={issues.length ? issues.join('\n') : undefined}
    >
      <Handle type="target" position={Position.Top} id="t" data-testid={`handle-${name}-top`} className="handle" />
      <span className="net-icon">
        <KindIcon.network />
      </span>
      <span className="net-name">{name}</span>
      <span className="net-subnet">{subnet ?? 'auto subnet'}</span>
      {issues.length > 0 && (
        <span className="issue-mark" data-testid={`network-issue-${name}`}>
          <Icon.warn />
          {issues.length}
        </span>
      )}
      <Handle type="target" position={Position.Bottom} id="b" data-testid={`handle-${name}-bottom`} className="handle" />
    </div>
  );
}

export const nodeTypes = { lab: LabNodeView, net: NetNodeView };
