import { removeNetwork, renameNetwork, setNetwork } from '../../state/doc-ops';
import { taken, type InspectorProps } from './context';
import { NetworkHosts } from './NetworkHosts';
import { DangerButton, ItemList, NameField, NumberField, Section, TextField } from './fields';
import { useTranslation } from '../../i18n';
import { subnet6Problem } from '../../lib/ipv6-input';

const SUBNET6_ERROR = { syntax: 'subnet6Syntax', prefix: 'subnet6Prefix', notUla: 'subnet6NotUla' } as const;

export function NetworkInspector(p: InspectorProps & { name: string }) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, name, issues } = p;
  const net = doc.networks[name];
  if (!net) return null;
  const attached = Object.entries(doc.nodes).filter(([, n]) => n.links.some((l) => l.network === name));
  const problems = issues.networks.get(name) ?? [];
  const bad6 = subnet6Problem(net.subnet6);
  const badMtu = net.mtu !== undefined && (net.mtu < 1280 || net.mtu > 9000);
  return (
    <div className="inspector-body" data-testid="inspector-network">
      <Section title={t('inspector.network.section')}>
        {problems.length > 0 && (
          <ul className="inline-issues" data-i18n="engine">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <NameField
          label={t('inspector.name')}
          testid="network-name"
          value={name}
          taken={taken(doc)}
          onRename={(v) => {
            edit(renameNetwork(doc, name, v));
            select({ type: 'network', name: v });
          }}
        />
        <TextField
          label={t('inspector.network.subnet')}
          testid="network-subnet"
          path={`networks.${name}.subnet`}
          value={net.subnet}
          placeholder={t('inspector.network.subnetPlaceholder')}
          onChange={(v) => edit(setNetwork(doc, name, { subnet: v || undefined }), `net:${name}:subnet`)}
          onBlur={seal}
        />
        <TextField
          label={t('inspector.network.subnet6')}
          testid="network-subnet6"
          path={`networks.${name}.subnet6`}
          value={net.subnet6}
          placeholder={t('inspector.network.subnet6Placeholder')}
          hint={t('inspector.network.subnet6Hint')}
          error={bad6 && t(`inspector.network.${SUBNET6_ERROR[bad6]}`)}
          onChange={(v) => edit(setNetwork(doc, name, { subnet6: v.trim() || undefined }), `net:${name}:subnet6`)}
          onBlur={seal}
        />
        <NumberField
          label={t('inspector.network.mtu')}
          testid="network-mtu"
          path={`networks.${name}.mtu`}
          value={net.mtu}
          placeholder={t('inspector.network.mtuPlaceholder')}
          hint={t('inspector.network.mtuHint')}
          error={badMtu ? t('inspector.network.mtuRange') : undefined}
          onChange={(v) => edit(setNetwork(doc, name, { mtu: v }), `net:${name}:mtu`)}
          onBlur={seal}
        />
        <NetworkHosts doc={doc} name={name} />
      </Section>
      <Section title={t('inspector.network.attached')}>
        {attached.length === 0 && <p className="muted small">{t('inspector.network.nothingAttached')}</p>}
        <ItemList items={attached.map(([n, node]) => ({ key: n, main: n, meta: <span className="muted small">{t(`canvas.kind.${node.kind}`)}</span>, onClick: () => select({ type: 'node', name: n }) }))} />
      </Section>
      <DangerButton
        testid="delete-network"
        onClick={async () => {
          if (!(await p.confirmDelete([], [name]))) return;
          edit(removeNetwork(doc, name));
          select({ type: 'lab' });
        }}
      >
        {t('inspector.deleteX', { name })}
      </DangerButton>
    </div>
  );
}
