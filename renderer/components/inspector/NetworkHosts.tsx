// How a network of a lab spread over hosts runs: a bridge on one host, or a
// Swarm overlay (VXLAN) when its nodes sit on several. Nothing for a lab
// without hosts.
import type { LabDoc } from '../../../electron/api';
import { hostNames, networkHosts, OVERLAY_MTU } from '../../lib/hosts';

export function NetworkHosts({ doc, name }: { doc: LabDoc; name: string }) {
  if (!hostNames(doc).length) return null;
  const on = networkHosts(doc).get(name) ?? [];
  const mtu = `MTU ${OVERLAY_MTU}, as every network of a lab spread over hosts`;
  return (
    <div className="field" data-testid="network-hosts">
      <label>Runs as</label>
      {on.length > 1 ? (
        <div className="runs-as overlay" data-testid="network-runs-as" data-overlay="yes">
          overlay across {on.join(', ')} · VXLAN (UDP 4789) · {mtu}
        </div>
      ) : (
        <div className="runs-as" data-testid="network-runs-as" data-overlay="no">
          {on.length ? `bridge on ${on[0]}` : 'bridge (no node linked yet)'} · {mtu}
        </div>
      )}
    </div>
  );
}
