import { removeLink, setLink } from '../../state/doc-ops';
import type { InspectorProps } from './context';
import { DangerButton, Section, SelectField, TextField } from './fields';

export function LinkInspector(p: InspectorProps & { node: string; index: number }) {
  const { doc, edit, seal, select, node, index, issues } = p;
  const link = doc.nodes[node]?.links[index];
  if (!link) return null;
  const problems = issues.links.get(`link:${node}:${index}`) ?? [];
  const key = (f: string) => `link:${node}:${index}:${f}`;
  const at = (f: string) => `nodes.${node}.links[${index}].${f}`;
  return (
    <div className="inspector-body" data-testid="inspector-link">
      <Section title={`Link ${node} · eth${index}`}>
        {problems.length > 0 && (
          <ul className="inline-issues">
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
        <SelectField<string> label="Network" testid="link-network" path={at('network')} value={link.network} options={Object.keys(doc.networks)} onChange={(v) => edit(setLink(doc, node, index, { network: v }))} />
        <TextField label="Rate" testid="link-rate" path={at('rate')} value={link.rate} placeholder="unlimited (e.g. 100mbit)" hint="Shapes this interface’s egress (tc)." onChange={(v) => edit(setLink(doc, node, index, { rate: v || undefined }), key('rate'))} onBlur={seal} />
        <TextField label="Address" testid="link-address" path={at('address')} value={link.address} placeholder="auto from the network's subnet" onChange={(v) => edit(setLink(doc, node, index, { address: v || undefined }), key('address'))} onBlur={seal} />
      </Section>
      <DangerButton
        testid="delete-link"
        onClick={() => {
          edit(removeLink(doc, node, index));
          select({ type: 'node', name: node });
        }}
      >
        Remove link
      </DangerButton>
    </div>
  );
}
