// What the canvas's boxes show of a lab spread over hosts: a node's host and
// colour (and whether its host answers), a network's overlay across hosts.
import type { LabDoc } from '../../../electron/api';
import { hostColor, nodeHost, OVERLAY_MTU, type HostDown } from '../../lib/hosts';
import type { LabNodeData, NetNodeData } from './nodes';
import { i18n } from '../../i18n';

export function hostData(doc: LabDoc, node: string, down: Map<string, HostDown> | undefined): Pick<LabNodeData, 'host' | 'hostDown'> {
  const host = nodeHost(doc, node);
  const d = down?.get(node);
  return { ...(host !== undefined ? { host: { name: host, color: hostColor(doc, host) } } : {}), ...(d ? { hostDown: d } : {}) };
}

/** The overlay cue of a network that spans `hosts` (none when it stays on one host). */
export function overlayData(doc: LabDoc, hosts: string[] | undefined): Pick<NetNodeData, 'overlay'> {
  if (!hosts) return {};
  const title = i18n.t('canvas.overlayTitle', { hosts: hosts.join(', '), mtu: OVERLAY_MTU });
  return { overlay: { hosts, colors: hosts.map((h) => hostColor(doc, h)), title } };
}
