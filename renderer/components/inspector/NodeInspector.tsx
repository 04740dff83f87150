import { NODE_KINDS, type NodeKind } from '../../../electron/api';
import { addLink, removeLink, removeNode, renameNode, setLink, setNode } from '../../state/doc-ops';
import { Icon } from '../icons';
import { taken, type InspectorProps } from './context';
import { unreachableNodes } from '../../lib/hosts';
import { HostField } from './HostField';
import { DangerButton, ItemList, NameField, Section, SelectField, TextField } from './fields';

export function NodeInspector(p: InspectorProps & { name: string }) {
  const { doc, edit, seal, select, name, issues, deployed } = p;
  const node = doc.nodes[name];
  if (!node) return null;
  const free = Object.keys(doc.networks).filter((n) => !node.links.some((l) => l.network === n));
  const services = Object.entries(doc.services ?? {}).filter(([, s]) => s.balancer === name);
  const key = (f: string) => `node:${name}:${f}`;
  const problems = issues.nodes.get(name) ?? [];
  const running = deployed ? p.live?.nodes.find((n) => n.name === name) : undefined;
  const down = running ? unreachableNodes(p.live).get(name) : undefined;
  return (
    <div className="inspector-body" data-testid="inspector-node">
      <Section
        title={`Node`}
        actions={
          deployed && (
            <button type="button" className="btn small primary" data-testid="open-terminal" onClick={() => p.onOpenTerminal(name)}>
              <Icon.terminal /> Terminal
            </button>
          )
        }
      >
        {problems.length > 0 && (
          <ul className="inline-issues" data-testid="node-problems">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <NameField
          label="Name"
          testid="node-name"
          value={name}
          taken={taken(doc)}
          onRename={(v) => {
            edit(renameNode(doc, name, v));
            select({ type: 'node', name: v });
          }}
        />
        <SelectField<NodeKind> label="Kind" testid="node-kind" path={`nodes.${name}.kind`} value={node.kind} options={NODE_KINDS} onChange={(v) => edit(setNode(doc, name, { kind: v }))} />
        <HostField {...p} />
        <TextField
          label="Image"
          testid="node-image"
          path={`nodes.${name}.image`}
          value={node.image}
          placeholder="default lab image for this kind"
          onChange={(v) => edit(setNode(doc, name, { image: v === '' ? undefined : v }), key('image'))}
          onBlur={seal}
        />
        {/* the engine's CPU quota: a tier's members limited so that they, not the client, are the bottleneck */}
        <TextField
          label="CPUs"
          testid="node-cpus"
          path={`nodes.${name}.cpus`}
          value={node.cpus === undefined ? undefined : String(node.cpus)}
          placeholder="unlimited"
          onChange={(v) => edit(setNode(doc, name, { cpus: v.trim() === '' ? undefined : Number(v) }), key('cpus'))}
          onBlur={seal}
        />
        {/* another image gets the node's capabilities only when the lab file says so (the validator names which) */}
        {(node.image !== undefined || node.trust) && (
          <label className="check" title="Images not built by lblab run without NET_ADMIN/SYS_ADMIN unless trusted: the lab is refused otherwise">
            <input type="checkbox" data-testid="node-trust" checked={node.trust === true} onChange={(e) => edit(setNode(doc, name, { trust: e.target.checked ? true : undefined }))} />
            trust this image with the node's capabilities (NET_ADMIN, SYS_ADMIN)
          </label>
        )}
      </Section>
      {running && (
        <Section title="Running">
          <div className="live-box" data-testid="node-live">
            <span className={`dot ${running.state === 'running' ? 'on' : 'off'}`} /> {running.container} · {running.state}
            {running.host && ` · on ${running.host}`}
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
              <summary className="muted small">{running.routes.length} routes</summary>
              <pre className="routes mono">{running.routes.join('\n')}</pre>
            </details>
          )}
        </Section>
      )}
      <Section title="Links">
        {node.links.length === 0 && <p className="muted small">Not linked. Drag from this node’s handle onto a network, or add a link below.</p>}
        {node.links.map((l, i) => (
          <div className={`link-row${issues.links.has(`link:${name}:${i}`) ? ' has-issues' : ''}`} key={i} data-testid={`link-row-${i}`}>
            <div className="link-row-head">
              <button type="button" className="linklike" onClick={() => select({ type: 'link', node: name, index: i })}>
                eth{i} → {l.network}
              </button>
              <button type="button" className="icon-btn" aria-label={`remove link to ${l.network}`} onClick={() => edit(removeLink(doc, name, i))}>
                <Icon.trash />
              </button>
            </div>
            <div className="grid2">
              <TextField label="Rate" testid={`link-${i}-rate`} path={`nodes.${name}.links[${i}].rate`} value={l.rate} placeholder="unlimited" onChange={(v) => edit(setLink(doc, name, i, { rate: v || undefined }), key(`rate${i}`))} onBlur={seal} />
              <TextField label="Address" testid={`link-${i}-address`} path={`nodes.${name}.links[${i}].address`} value={l.address} placeholder="auto" onChange={(v) => edit(setLink(doc, name, i, { address: v || undefined }), key(`addr${i}`))} onBlur={seal} />
            </div>
          </div>
        ))}
        {free.length > 0 && (
          <SelectField<string> label="Add a link to" testid="node-add-link" path={`nodes.${name}.links`} value="" allowEmpty="choose a network…" options={free} onChange={(v) => v && edit(addLink(doc, name, v))} />
        )}
      </Section>
      {node.kind === 'balancer' && (
        <Section title="Services on this balancer">
          {services.length === 0 && <p className="muted small">None. Add one from the lab inspector (click the empty canvas).</p>}
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
        Delete {name}
      </DangerButton>
    </div>
  );
}
