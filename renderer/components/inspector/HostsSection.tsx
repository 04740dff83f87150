// The lab's hosts (name → Docker engine) in the lab inspector: add, rename,
// point at an engine (a context name from the list, or a URL), remove. A
// removed host's nodes move to the first host that remains, after asking.
import { useId, useState, type CSSProperties } from 'react';
import type { EngineDescription, HostStatus } from '../../../electron/api';
import { hostColor, hostNames } from '../../lib/hosts';
import { addHost, nodesOnHost, removeHost, renameHost, setHostEngine } from '../../state/host-ops';
import { useKnownEngines } from '../engines/useKnownEngines';
import { Icon } from '../icons';
import type { InspectorProps } from './context';
import { Field, NameField, Section } from './fields';
import { i18n, useTranslation } from '../../i18n';

const count = (n: number) => i18n.t('inspector.hosts.nodes', { count: n });

/** How lblab reaches an engine written this way, in words. */
function reach(engine: string): string {
  if (engine === '') return i18n.t('inspector.hosts.reachEmpty');
  if (engine === 'default') return i18n.t('inspector.hosts.reachDefault');
  const scheme = /^([a-z]+):\/\//.exec(engine)?.[1];
  if (scheme === 'ssh') return i18n.t('inspector.hosts.reachSsh');
  if (scheme === 'tcp') return i18n.t('inspector.hosts.reachTcp');
  if (scheme === 'unix' || scheme === 'npipe') return i18n.t('inspector.hosts.reachSocket');
  return i18n.t('inspector.hosts.reachContext');
}

/** What the engine list says of the engine a host names ("ssh://lab@h2 · Docker 27.1"), else how it is reached. */
function engineNote(engines: EngineDescription[], engine: string): string {
  const e = engine ? engines.find((x) => x.name === engine || x.host === engine) : undefined;
  if (!e) return reach(engine);
  return [e.name === engine ? e.host : undefined, e.answers ? (e.serverVersion ? `Docker ${e.serverVersion}` : i18n.t('inspector.hosts.answers')) : i18n.t('inspector.hosts.doesNotAnswer')].filter(Boolean).join(' · ');
}

/** A running lab's word on a host: it answers, or why not. */
function HostLive({ name, live }: { name: string; live: HostStatus | undefined }) {
  if (!live) return null;
  return (
    <div className={`host-live${live.reachable ? '' : ' down'}`} data-testid={`host-live-${name}`} role="status">
      <span className={`dot ${live.reachable ? 'on' : 'warn'}`} aria-hidden />
      {live.reachable ? i18n.t('inspector.hosts.answers') : live.problem ? i18n.t('inspector.hosts.unreachableWhy', { why: live.problem }) : i18n.t('inspector.hosts.unreachable')}
    </div>
  );
}

export function HostsSection({ doc, edit, seal, ask, listEngines, deployed, live }: InspectorProps) {
  const { t } = useTranslation();
  const names = hostNames(doc);
  const known = useKnownEngines(listEngines);
  const listId = useId();
  // the host just added: its engine field takes the focus, to be pointed at once
  const [added, setAdded] = useState<string | null>(null);
  const liveHosts = deployed ? live?.hosts : undefined;

  const remove = async (name: string) => {
    const on = nodesOnHost(doc, name);
    const rest = names.filter((h) => h !== name);
    if (on.length) {
      const lines = rest.length
        ? [t('inspector.hosts.moves', { count: on.length, nodes: on.join(', '), first: rest[0] })]
        : [t('inspector.hosts.oneEngineAgain')];
      if (!(await ask({ title: t('inspector.hosts.removeTitle', { host: name }), lines, confirm: t('inspector.hosts.removeConfirm') }))) return;
    }
    edit(removeHost(doc, name));
  };

  return (
    <Section
      title={t('inspector.hosts.section')}
      actions={
        <button
          type="button"
          className="btn small"
          data-testid="add-host"
          onClick={() => {
            const r = addHost(doc);
            edit(r.doc);
            setAdded(r.name);
          }}
        >
          <Icon.plus /> {t('inspector.hosts.add')}
        </button>
      }
    >
      {names.length === 0 && (
        <p className="muted small" data-testid="hosts-none">
          {t('inspector.hosts.none')}
        </p>
      )}
      <datalist id={listId}>
        {known.engines.map((e) => (
          <option key={e.name} value={e.name}>
            {e.host}
          </option>
        ))}
      </datalist>
      {names.map((name, i) => (
        <div className="host-row" key={name} data-testid={`host-row-${name}`} style={{ '--host': hostColor(doc, name) } as CSSProperties}>
          <div className="host-row-head">
            <i className="host-dot" aria-hidden />
            <NameField label={t('inspector.hosts.host')} testid={`host-name-${name}`} value={name} taken={(n) => names.includes(n)} onRename={(v) => edit(renameHost(doc, name, v))} />
            <button type="button" className="icon-btn" aria-label={t('inspector.hosts.remove', { host: name })} data-testid={`remove-host-${name}`} onClick={() => void remove(name)}>
              <Icon.trash />
            </button>
          </div>
          <Field label={t('inspector.hosts.engine')} id={`${listId}-${name}`} path={`hosts.${name}`} hint={engineNote(known.engines, doc.hosts![name])}>
            <input
              id={`${listId}-${name}`}
              data-testid={`host-engine-${name}`}
              type="text"
              spellCheck={false}
              list={listId}
              value={doc.hosts![name]}
              placeholder={t('inspector.hosts.enginePlaceholder')}
              autoFocus={name === added}
              onFocus={known.load}
              onChange={(e) => edit(setHostEngine(doc, name, e.target.value), `host:${name}:engine`)}
              onBlur={seal}
            />
          </Field>
          <HostLive name={name} live={liveHosts?.find((h) => h.name === name)} />
          <div className="muted small">
            {count(nodesOnHost(doc, name).length)}
            {i === 0 && t('inspector.hosts.firstHost')}
          </div>
        </div>
      ))}
    </Section>
  );
}
