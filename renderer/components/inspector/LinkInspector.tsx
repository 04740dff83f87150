import { removeLink, setLink } from '../../state/doc-ops';
import type { InspectorProps } from './context';
import { DangerButton, Section, SelectField, TextField } from './fields';
import { useTranslation } from '../../i18n';

export function LinkInspector(p: InspectorProps & { node: string; index: number }) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, node, index, issues } = p;
  const link = doc.nodes[node]?.links[index];
  if (!link) return null;
  const problems = issues.links.get(`link:${node}:${index}`) ?? [];
  const key = (f: string) => `link:${node}:${index}:${f}`;
  const at = (f: string) => `nodes.${node}.links[${index}].${f}`;
  return (
    <div className="inspector-body" data-testid="inspector-link">
      <Section title={t('inspector.link.section', { node, index })}>
        {problems.length > 0 && (
          <ul className="inline-issues" data-i18n="engine">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <p className="muted small">
          <button type="button" className="linklike" onClick={() => select({ type: 'node', name: node })}>
            {node}
          </button>{' '}
          ↔{' '}
          <button type="button" className="linklike" onClick={() => select({ type: 'network', name: link.network })}>
            {link.network}
          </button>
        </p>
        <SelectField<string> label={t('inspector.link.network')} testid="link-network" path={at('network')} value={link.network} options={Object.keys(doc.networks)} onChange={(v) => edit(setLink(doc, node, index, { network: v }))} />
        <TextField label={t('inspector.rate')} testid="link-rate" path={at('rate')} value={link.rate} placeholder={t('inspector.link.ratePlaceholder')} hint={t('inspector.link.rateHint')} onChange={(v) => edit(setLink(doc, node, index, { rate: v || undefined }), key('rate'))} onBlur={seal} />
        <TextField label={t('inspector.address')} testid="link-address" path={at('address')} value={link.address} placeholder={t('inspector.link.addressPlaceholder')} onChange={(v) => edit(setLink(doc, node, index, { address: v || undefined }), key('address'))} onBlur={seal} />
      </Section>
      <DangerButton
        testid="delete-link"
        onClick={() => {
          edit(removeLink(doc, node, index));
          select({ type: 'node', name: node });
        }}
      >
        {t('inspector.link.remove')}
      </DangerButton>
    </div>
  );
}
