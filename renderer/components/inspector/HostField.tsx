// Where a node runs, in its inspector: one of the lab's hosts (the first one
// when the node names none). Absent for a lab without hosts.
import { hostNames } from '../../lib/hosts';
import { setNodeHost } from '../../state/host-ops';
import type { InspectorProps } from './context';
import { SelectField, type Choice } from './fields';
import { useTranslation } from '../../i18n';

export function HostField({ doc, edit, name }: InspectorProps & { name: string }) {
  const { t } = useTranslation();
  const hosts = hostNames(doc);
  const node = doc.nodes[name];
  if (!node || (!hosts.length && node.host === undefined)) return null;
  const [first, ...rest] = hosts;
  // the first host is what an absent `host` means: choosing it writes nothing
  const value = node.host === undefined || node.host === first ? '' : node.host;
  const options: Choice<string>[] = [
    ...rest.map((h) => ({ value: h, label: h })),
    ...(node.host !== undefined && !hosts.includes(node.host) ? [{ value: node.host, label: t('inspector.hosts.notAHost', { host: node.host }), unavailable: true }] : []),
  ];
  return (
    <SelectField<string>
      label={t('inspector.hosts.host')}
      testid="node-host"
      path={`nodes.${name}.host`}
      value={value}
      options={options}
      allowEmpty={first !== undefined ? t('inspector.hosts.firstHostChoice', { host: first }) : t('inspector.hosts.firstHostBare')}
      hint={t('inspector.hosts.nodeHostHint')}
      onChange={(v) => edit(setNodeHost(doc, name, v || undefined))}
    />
  );
}
