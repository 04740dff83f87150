// The two kinds of boxes on the canvas: a lab node (client, balancer, server,
// router) and a network. Handles are where links are dragged from / to.
import type { CSSProperties } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { NodeKind, NodeStatus } from '../../../electron/api';
import type { HostDown } from '../../lib/hosts';
import { KindIcon, Icon } from '../icons';
import { useTranslation } from '../../i18n';

export interface LabNodeData extends Record<string, unknown> {
  name: string;
  kind: NodeKind;
  issues: string[];
  state?: NodeStatus['state'] | 'deploying';
  subtitle?: string;
  /** a lab spread over hosts: the host the node runs on, and its colour (none for a host the lab does not name) */
  host?: { name: string; color?: string };
  /** the running lab's host for this node does not answer */
  hostDown?: HostDown;
  /** faults made on purpose on this node (the running lab's record) */
  broken?: string[];
  /** the Doctor tab points at this node: how bad what it found is */
  doctor?: 'error' | 'warning' | 'info';
}
export interface NetNodeData extends Record<string, unknown> {
  name: string;
  subnet?: string;
  issues: string[];
  /** the hosts a network spans when they are more than one: it runs as a Swarm overlay */
  overlay?: { hosts: string[]; colors: (string | undefined)[]; title: string };
}
/** A tier of balancers: the group drawn around its members (tier-group.ts). */
export interface TierNodeData extends Record<string, unknown> {
  service: string;
  mode: string;
  members: string[];
  width: number;
  height: number;
}
export type TierFlowNode = Node<TierNodeData, 'tier'>;
export type LabFlowNode = Node<LabNodeData, 'lab'>;
export type NetFlowNode = Node<NetNodeData, 'net'>;

export function StateBadge({ state, node }: { state?: LabNodeData['state']; node: string }) {
  const { t } = useTranslation();
  if (!state) return null;
  return (
    <span className={`badge state-${state}`} data-testid={`node-state-${node}`} data-state={state} title={t('canvas.containerState', { state: t(`canvas.state.${state}`) })}>
      {t(`canvas.state.${state}`)}
    </span>
  );
}

export function LabNodeView({ data, selected }: NodeProps<LabFlowNode>) {
  const { t } = useTranslation();
  const { name, kind, issues, state, subtitle, host, hostDown, broken, doctor } = data;
  const Ico = KindIcon[kind];
  const title = [...issues, hostDown && [hostDown.label, hostDown.problem].filter(Boolean).join(': ')].filter(Boolean).join('\n');
  return (
    <div
      className={`lab-node kind-${kind}${selected ? ' selected' : ''}${issues.length ? ' has-issues' : ''}${host ? ' on-host' : ''}${hostDown ? ' host-down' : ''}${doctor ? ` doctor-on doctor-${doctor}` : ''}`}
      data-testid={`node-${name}`}
      data-doctor={doctor}
      data-host={host?.name}
      style={host?.color ? ({ '--host': host.color } as CSSProperties) : undefined}
      title={title || undefined}
      data-i18n-title="engine"
    >
      <Handle type="source" position={Position.Top} id="t" data-testid={`handle-${name}-top`} className="handle" />
      <div className="lab-node-icon">
        <Ico />
      </div>
      <div className="lab-node-text">
        <div className="lab-node-name">{name}</div>
        <div className="lab-node-kind">{subtitle ?? t(`canvas.kind.${kind}`)}</div>
        {hostDown && (
          <div className="lab-node-host-down" data-testid={`node-host-down-${name}`}>
            {hostDown.label}
          </div>
        )}
      </div>
      {host && <HostBadge node={name} host={host.name} known={!!host.color} />}
      <div className="lab-node-side">
        {broken && broken.length > 0 && (
          <span className="badge broken" data-testid={`node-broken-${name}`} title={t('canvas.brokenTitle', { faults: broken.join(', ') })}>
            {t('canvas.broken')}
          </span>
        )}
        <StateBadge state={state} node={name} />
        {issues.length > 0 && (
          <span className="issue-mark" data-testid={`node-issue-${name}`} aria-label={t('canvas.problems', { count: issues.length })}>
            <Icon.warn />
            {issues.length}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Bottom} id="b" data-testid={`handle-${name}-bottom`} className="handle" />
    </div>
  );
}

/** The host a node runs on, under its box; a name the lab does not define shows as a problem. */
function HostBadge({ node, host, known }: { node: string; host: string; known: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`host-badge${known ? '' : ' unknown'}`} data-testid={`node-host-${node}`} title={known ? t('canvas.runsOnHost', { host }) : t('canvas.unknownHost', { host })}>
      <i aria-hidden />
      {host}
    </span>
  );
}

export function NetNodeView({ data, selected }: NodeProps<NetFlowNode>) {
  const { t } = useTranslation();
  const { name, subnet, issues, overlay } = data;
  const title = [...issues, overlay?.title].filter(Boolean).join('\n');
  return (
    <div
      className={`net-node${selected ? ' selected' : ''}${issues.length ? ' has-issues' : ''}${overlay ? ' overlay' : ''}`}
      data-testid={`network-${name}`}
      data-overlay={overlay ? overlay.hosts.join(',') : undefined}
      title={title || undefined}
      data-i18n-title="engine"
    >
      {overlay && (
        <span className="overlay-tag" data-testid={`network-overlay-${name}`}>
          {overlay.colors.map((c, i) => (
            <i key={overlay.hosts[i]} style={{ background: c ?? 'var(--bad)' }} aria-hidden />
          ))}
          {t('canvas.overlay')}
        </span>
      )}
      <Handle type="target" position={Position.Top} id="t" data-testid={`handle-${name}-top`} className="handle" />
      <span className="net-icon">
        <KindIcon.network />
      </span>
      <span className="net-name">{name}</span>
      <span className="net-subnet">{subnet ?? t('canvas.autoSubnet')}</span>
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

export function TierNodeView({ data }: NodeProps<TierFlowNode>) {
  const { t } = useTranslation();
  return (
    <div
      className="tier-group"
      data-testid={`tier-${data.service}`}
      data-members={data.members.join(',')}
      style={{ width: data.width, height: data.height }}
      title={t('canvas.tierTitle', { service: data.service, members: data.members.join(', ') })}
    >
      <span className="tier-label">{t('canvas.tierLabel', { service: data.service, mode: data.mode, count: data.members.length })}</span>
    </div>
  );
}

export const nodeTypes = { lab: LabNodeView, net: NetNodeView, tier: TierNodeView };
