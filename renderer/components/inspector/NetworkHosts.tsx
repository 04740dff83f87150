// How a network of a lab spread over hosts runs: a bridge on one host, or a
// Swarm overlay (VXLAN) when its nodes sit on several. Nothing for a lab
// without hosts.
import type { LabDoc } from '../../../electron/api';
import { hostNames, networkHosts, OVERLAY_MTU } from '../../lib/hosts';
import { useTranslation } from '../../i18n';

export function NetworkHosts({ doc, name }: { doc: LabDoc; name: string }) {
  const { t } = useTranslation();
  if (!hostNames(doc).length) return null;
  const on = networkHosts(doc).get(name) ?? [];
  const mtu = t('inspector.hosts.mtu', { mtu: OVERLAY_MTU });
  return (
    <div className="field" data-testid="network-hosts">
      <label>{t('inspector.hosts.runsAs')}</label>
      {on.length > 1 ? (
        <div className="runs-as overlay" data-testid="network-runs-as" data-overlay="yes">
          {t('inspector.hosts.overlayAcross', { hosts: on.join(', '), mtu })}
        </div>
      ) : (
        <div className="runs-as" data-testid="network-runs-as" data-overlay="no">
          {on.length ? t('inspector.hosts.bridgeOn', { host: on[0] }) : t('inspector.hosts.bridgeNone')} · {mtu}
        </div>
      )}
    </div>
  );
}
