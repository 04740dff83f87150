import { removeNetwork, renameNetwork, setNetwork } from '../../state/doc-ops';
import { taken, type InspectorProps } from './context';
import { NetworkHosts } from './NetworkHosts';
import { DangerButton, ItemList, NameField, Section, TextField } from './fields';
import { useTranslation } from '../../i18n';

export function NetworkInspector(p: InspectorProps & { name: string }) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, name, issues } = p;
  const net = doc.networks[name];
  if (!net) return null;
  const attached = Object.entries(doc.nodes).filter(([, n]) => n.links.some((l) => l.network === name));
  const problems = issues.networks.get(name) ?? [];
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
