import { addService } from '../../state/doc-ops';
import { Icon } from '../icons';
import type { InspectorProps } from './context';
import { ItemList, Section, TextField } from './fields';
import { HostsSection } from './HostsSection';
import { balancersOf, NAME_RE } from '../../../electron/api';
import { useTranslation } from '../../i18n';

export function LabInspector(p: InspectorProps) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, issues, deployed } = p;
  const services = Object.entries(doc.services ?? {});
  const nameErr = NAME_RE.test(doc.name) ? undefined : t('inspector.nameRule');
  return (
    <div className="inspector-body" data-testid="inspector-lab">
      <Section title={t('inspector.lab.section')}>
        <TextField
          label={t('inspector.name')}
          testid="lab-name"
          value={doc.name}
          error={nameErr}
          path="name"
          hint={deployed ? t('inspector.lab.renameDeployed') : t('inspector.lab.namesDocker')}
          onChange={(v) => edit({ ...doc, name: v }, 'lab:name')}
          onBlur={seal}
        />
        <TextField
          label={t('inspector.lab.description')}
          testid="lab-description"
          labFile
          multiline
          value={doc.description}
          onChange={(v) => edit({ ...doc, description: v === '' ? undefined : v }, 'lab:description')}
          onBlur={seal}
        />
        <label className="check" title={t('inspector.lab.offloadTitle')}>
          <input type="checkbox" data-testid="lab-offload" checked={doc.offload === true} onChange={(e) => edit({ ...doc, offload: e.target.checked ? true : undefined })} />
          {t('inspector.lab.offload')}
        </label>
      </Section>
      <HostsSection {...p} />
      <Section
        title={t('inspector.lab.services')}
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
            <Icon.plus /> {t('inspector.lab.addService')}
          </button>
        }
      >
        {services.length === 0 && <p className="muted small">{t('inspector.lab.noService')}</p>}
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
                  {balancersOf(svc).join(', ') || t('inspector.lab.noBalancer')} → {t('inspector.lab.backends', { count: svc.backends.length })}
                </span>
              </>
            ),
          }))}
        />
      </Section>
      <Section title={t('inspector.lab.summary')}>
        <p className="muted small">
          {t('inspector.lab.nodes', { count: Object.keys(doc.nodes).length })} · {t('inspector.lab.networks', { count: Object.keys(doc.networks).length })} · {t('inspector.lab.servicesCount', { count: services.length })}
        </p>
      </Section>
    </div>
  );
}
