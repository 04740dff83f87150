import { addService } from '../../state/doc-ops';
import { Icon } from '../icons';
import type { InspectorProps } from './context';
import { ItemList, Section, TextField } from './fields';
import { HostsSection } from './HostsSection';
import { NAME_RE } from '../../../electron/api';

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function LabInspector(p: InspectorProps) {
  const { doc, edit, seal, select, issues, deployed } = p;
  const services = Object.entries(doc.services ?? {});
  const nameErr = NAME_RE.test(doc.name) ? undefined : 'lowercase letters, digits and dashes (max 32)';
  return (
    <div className="inspector-body" data-testid="inspector-lab">
      <Section title="Lab">
        <TextField
          label="Name"
          testid="lab-name"
          value={doc.name}
          error={nameErr}
          path="name"
          hint={deployed ? 'Renaming a deployed lab deploys a new one next time.' : 'Names the Docker objects: lblab-<lab>-<node>.'}
          onChange={(v) => edit({ ...doc, name: v }, 'lab:name')}
          onBlur={seal}
        />
        <TextField
          label="Description"
          testid="lab-description"
          multiline
          value={doc.description}
          onChange={(v) => edit({ ...doc, description: v === '' ? undefined : v }, 'lab:description')}
          onBlur={seal}
        />
        <label className="check" title="Leaves tx checksum and segmentation offload on for every lab interface: several times the throughput; redeploying re-plumbs the running nodes">
          <input type="checkbox" data-testid="lab-offload" checked={doc.offload === true} onChange={(e) => edit({ ...doc, offload: e.target.checked ? true : undefined })} />
          checksum/segmentation offload (faster, captures show super-packets)
        </label>
      </Section>
      <HostsSection {...p} />
      <Section
        title="Services"
        actions={
          <button
            type="button"
            className="btn small"
            data-testid="add-service"
            onClick={() => {
              const r = addService(doc);
              edit(r.doc);
              select({ type: 'service', name: r.name });
            }}
          >
            <Icon.plus /> Add service
          </button>
        }
      >
        {services.length === 0 && <p className="muted small">No service yet. A service puts a VIP on a balancer and spreads it over backends.</p>}
        <ItemList
          items={services.map(([name, svc]) => ({
            key: name,
            main: name,
            testid: `service-${name}`,
            flagged: issues.services.has(name),
            onClick: () => select({ type: 'service', name }),
            meta: (
              <>
                <span className="chip">{svc.mode}</span>
                <span className="muted small">
                  {svc.balancer || 'no balancer'} → {svc.backends.length} backend{svc.backends.length === 1 ? '' : 's'}
                </span>
              </>
            ),
          }))}
        />
      </Section>
      <Section title="Summary">
        <p className="muted small">
          {count(Object.keys(doc.nodes).length, 'node')} · {count(Object.keys(doc.networks).length, 'network')} · {count(services.length, 'service')}
        </p>
      </Section>
    </div>
  );
}
