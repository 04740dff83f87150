import { balancersOf, NODE_KINDS, type NodeKind } from '../../../electron/api';
import { addLink, removeLink, removeNode, renameNode, setLink, setNode } from '../../state/doc-ops';
import { Icon } from '../icons';
import { taken, type InspectorProps } from './context';
import { unreachableNodes } from '../../lib/hosts';
import { HostField } from './HostField';
import { DangerButton, ItemList, NameField, Section, SelectField, TextField } from './fields';
import { useTranslation } from '../../i18n';

export function NodeInspector(p: InspectorProps & { name: string }) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, name, issues, deployed } = p;
  const node = doc.nodes[name];
  if (!node) return null;
  const free = Object.keys(doc.networks).filter((n) => !node.links.some((l) => l.network === n));
  const services = Object.entries(doc.services ?? {}).filter(([, s]) => balancersOf(s).includes(name));
  const key = (f: string) => `node:${name}:${f}`;
  const problems = issues.nodes.get(name) ?? [];
  const running = deployed ? p.live?.nodes.find((n) => n.name === name) : undefined;
  const down = running ? unreachableNodes(p.live).get(name) : undefined;
  return (
    <div className="inspector-body" data-testid="inspector-node">
      <Section
        title={t('inspector.node.section')}
        actions={
          deployed && (
            <button type="button" className="btn small primary" data-testid="open-terminal" onClick={() => p.onOpenTerminal(name)}>
              <Icon.terminal /> {t('inspector.node.terminal')}
            </button>
          )
        }
      >
        {problems.length > 0 && (
          <ul className="inline-issues" data-testid="node-problems" data-i18n="engine">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <NameField
          label={t('inspector.name')}
          testid="node-name"
          value={name}
          taken={taken(doc)}
          onRename={(v) => {
            edit(renameNode(doc, name, v));
            select({ type: 'node', name: v });
          }}
        />
        <SelectField<NodeKind> label={t('inspector.node.kind')} testid="node-kind" path={`nodes.${name}.kind`} value={node.kind} options={NODE_KINDS.map((k) => ({ value: k, label: t(`canvas.kind.${k}`) }))} onChange={(v) => edit(setNode(doc, name, { kind: v }))} />
        <HostField {...p} />
        <TextField
          label={t('inspector.node.image')}
          testid="node-image"
          path={`nodes.${name}.image`}
          value={node.image}
          placeholder={t('inspector.node.imagePlaceholder')}
          onChange={(v) => edit(setNode(doc, name, { image: v === '' ? undefined : v }), key('image'))}
          onBlur={seal}
        />
        {/* the engine's CPU quota: a tier's members limited so that they, not the client, are the bottleneck */}
        <TextField
          label={t('inspector.node.cpus')}
          testid="node-cpus"
          path={`nodes.${name}.cpus`}
          value={node.cpus === undefined ? undefined : String(node.cpus)}
          placeholder={t('inspector.unlimited')}
          onChange={(v) => edit(setNode(doc, name, { cpus: v.trim() === '' ? undefined : Number(v) }), key('cpus'))}
          onBlur={seal}
        />
        {/* another image gets the node's capabilities only when the lab file says so (the validator names which) */}
        {(node.image !== undefined || node.trust) && (
          <label className="check" title={t('inspector.node.trustTitle')}>
            <input type="checkbox" data-testid="node-trust" checked={node.trust === true} onChange={(e) => edit(setNode(doc, name, { trust: e.target.checked ? true : undefined }))} />
            {t('inspector.node.trust')}
          </label>
        )}
      </Section>
      {running && (
        <Section title={t('inspector.node.running')}>
          <div className="live-box" data-testid="node-live">
            <span className={`dot ${running.state === 'running' ? 'on' : 'off'}`} /> {running.container} · {t(`canvas.state.${running.state}`)}
            {running.host && t('inspector.node.onHost', { host: running.host })}
          </div>
          {down && (
            <div className="inline-issues" role="status" data-testid="node-host-down">
              {down.label}
              {down.problem ? `: ${down.problem}` : ''}
            </div>
          )}
          <table className="kv">
            <tbody>
              {running.interfaces.map((i) => (
                <tr key={i.name}>
                  <td className="mono">{i.name}</td>
                  <td>{i.network}</td>
                  <td className="mono">{i.address}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {running.routes.length > 0 && (
            <details>
              <summary className="muted small">{t('inspector.node.routes', { count: running.routes.length })}</summary>
              <pre className="routes mono">{running.routes.join('\n')}</pre>
            </details>
          )}
        </Section>
      )}
      <Section title={t('inspector.node.links')}>
        {node.links.length === 0 && <p className="muted small">{t('inspector.node.notLinked')}</p>}
        {node.links.map((l, i) => (
          <div className={`link-row${issues.links.has(`link:${name}:${i}`) ? ' has-issues' : ''}`} key={i} data-testid={`link-row-${i}`}>
            <div className="link-row-head">
              <button type="button" className="linklike" onClick={() => select({ type: 'link', node: name, index: i })}>
                eth{i} → {l.network}
              </button>
              <button type="button" className="icon-btn" aria-label={t('inspector.node.removeLink', { network: l.network })} onClick={() => edit(removeLink(doc, name, i))}>
                <Icon.trash />
              </button>
            </div>
            <div className="grid2">
              <TextField label={t('inspector.rate')} testid={`link-${i}-rate`} path={`nodes.${name}.links[${i}].rate`} value={l.rate} placeholder={t('inspector.unlimited')} onChange={(v) => edit(setLink(doc, name, i, { rate: v || undefined }), key(`rate${i}`))} onBlur={seal} />
              <TextField label={t('inspector.address')} testid={`link-${i}-address`} path={`nodes.${name}.links[${i}].address`} value={l.address} placeholder={t('inspector.auto')} onChange={(v) => edit(setLink(doc, name, i, { address: v || undefined }), key(`addr${i}`))} onBlur={seal} />
            </div>
          </div>
        ))}
        {free.length > 0 && (
          <SelectField<string> label={t('inspector.node.addLink')} testid="node-add-link" path={`nodes.${name}.links`} value="" allowEmpty={t('inspector.node.chooseNetwork')} options={free} onChange={(v) => v && edit(addLink(doc, name, v))} />
        )}
      </Section>
      {node.kind === 'balancer' && (
        <Section title={t('inspector.node.servicesHere')}>
          {services.length === 0 && <p className="muted small">{t('inspector.node.noServicesHere')}</p>}
          <ItemList items={services.map(([s, svc]) => ({ key: s, main: s, meta: <span className="chip">{svc.mode}</span>, onClick: () => select({ type: 'service', name: s }) }))} />
        </Section>
      )}
      <DangerButton
        testid="delete-node"
        onClick={async () => {
          if (!(await p.confirmDelete([name], []))) return;
          edit(removeNode(doc, name));
          select({ type: 'lab' });
        }}
      >
        {t('inspector.deleteX', { name })}
      </DangerButton>
    </div>
  );
}
