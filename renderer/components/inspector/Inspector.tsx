// Right sidebar: the properties of whatever is selected (the lab when nothing is).
import type { Selection } from '../../state/selection';
import type { InspectorProps } from './context';
import { LabInspector } from './LabInspector';
import { LinkInspector } from './LinkInspector';
import { NetworkInspector } from './NetworkInspector';
import { NodeInspector } from './NodeInspector';
import { ServiceInspector } from './ServiceInspector';
import { useTranslation } from '../../i18n';

export function Inspector(p: InspectorProps & { selection: Selection }) {
  const { t } = useTranslation();
  const s = p.selection;
  let body;
  if (s.type === 'node' && p.doc.nodes[s.name]) body = <NodeInspector {...p} name={s.name} key={`n:${s.name}`} />;
  else if (s.type === 'network' && p.doc.networks[s.name]) body = <NetworkInspector {...p} name={s.name} key={`w:${s.name}`} />;
  else if (s.type === 'link' && p.doc.nodes[s.node]?.links[s.index]) body = <LinkInspector {...p} node={s.node} index={s.index} key={`l:${s.node}:${s.index}`} />;
  else if (s.type === 'service' && p.doc.services?.[s.name]) body = <ServiceInspector {...p} name={s.name} key={`s:${s.name}`} />;
  else body = <LabInspector {...p} />;
  return (
    <section className="panel inspector" aria-label={t('inspector.title')} data-testid="inspector">
      <h2 className="panel-title">
        {t('inspector.title')}
        {s.type !== 'lab' && (
          <button type="button" className="linklike small" onClick={() => p.select({ type: 'lab' })} data-testid="inspector-lab-link">
            {t('inspector.labSettings')}
          </button>
        )}
      </h2>
      {body}
    </section>
  );
}
