import { GATEWAYS, MODES, PROTOCOL_PORTS, PROTOCOLS, SCHEDULERS, balancersOf, type BackendDoc, type Gateway, type Protocol, type HealthDoc, type Mode, type RouteDoc, type Scheduler, type ServiceDoc } from '../../../electron/api';
import { useEffect, useState } from 'react';
import { clean, removeService, renameService, setService } from '../../state/doc-ops';
import { useModeAvailability } from './useModeAvailability';
import { Icon } from '../icons';
import { taken, type InspectorProps } from './context';
import { DangerButton, NameField, NumberField, Section, SelectField, TextField } from './fields';
import { i18n, useTranslation } from '../../i18n';
import { vip6Problem } from '../../lib/ipv6-input';

const MODE_LABEL = (m: Mode) => i18n.t(`inspector.service.modeLabel.${m}`);
const PROTOCOL_LABEL = (p: Protocol) => i18n.t(`inspector.service.protocolLabel.${p}`);
const SCHED_LABEL = (s: Scheduler) => i18n.t(`inspector.service.schedLabel.${s}`);

const bName = (b: string | BackendDoc) => (typeof b === 'string' ? b : b.node);
const bWeight = (b: string | BackendDoc) => (typeof b === 'string' ? undefined : b.weight);
const mkBackend = (node: string, weight: number | undefined): string | BackendDoc => (weight === undefined ? node : { node, weight });

export function ServiceInspector(p: InspectorProps & { name: string }) {
  const { t } = useTranslation();
  const { doc, edit, seal, select, name, issues, deployed } = p;
  const unavailable = useModeAvailability(p.checkModes, doc, name);
  const svc = doc.services?.[name];
  if (!svc) return null;
  const at = (...f: (string | number)[]) => `services.${name}${f.map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`)).join('')}`;
  const refused = p.modeRefusals[name];
  const set = (patch: Partial<ServiceDoc>, coalesce?: string) => edit(setService(doc, name, patch), coalesce ? `svc:${name}:${coalesce}` : undefined);
  const balancers = Object.entries(doc.nodes).filter(([, n]) => n.kind === 'balancer').map(([n]) => n);
  const candidates = Object.entries(doc.nodes)
    .filter(([n, node]) => (node.kind === 'server' || node.kind === 'balancer') && n !== svc.balancer)
    .map(([n]) => n);
  const unused = candidates.filter((c) => !svc.backends.some((b) => bName(b) === c));
  const problems = issues.services.get(name) ?? [];
  const health = svc.health ?? {};
  const setHealth = (patch: Partial<HealthDoc>, k?: string) => {
    const h = clean({ ...health, ...patch });
    set({ health: Object.keys(h).length ? h : undefined }, k);
  };
  const routes = svc.routes ?? [];
  const running = deployed ? p.live?.services.find((x) => x.name === name) : undefined;
  const setRoute = (i: number, patch: Partial<RouteDoc>, k?: string) => set({ routes: routes.map((r, j) => (j === i ? clean({ ...r, ...patch }) : r)) }, k);

  return (
    <div className="inspector-body" data-testid="inspector-service">
      <Section title={t('inspector.service.section')}>
        {problems.length > 0 && (
          <ul className="inline-issues" data-testid="service-problems" data-i18n="engine">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        {running && (
          <div className="live-box" data-testid="service-live">
            <span className="dot on" /> {t('inspector.service.live')}{' '}
            <strong className="mono" data-testid="service-live-vip">
              {running.vip}
            </strong>
            :{running.port} · <span data-testid="service-live-mode">{running.mode}</span> · {running.scheduler}
          </div>
        )}
        <NameField
          label={t('inspector.name')}
          testid="service-name"
          value={name}
          taken={taken(doc)}
          onRename={(v) => {
            edit(renameService(doc, name, v));
            select({ type: 'service', name: v });
          }}
        />
        <SelectField<string> label={t('inspector.service.balancer')} testid="service-balancer" path={at('balancer')} value={balancersOf(svc)[0]} allowEmpty={t('inspector.service.chooseBalancer')} options={balancers} onChange={(v) => set({ balancer: Array.isArray(svc.balancer) ? [v, ...svc.balancer.slice(1)] : v })} />
        {/* a tier: the members, comma-separated; a list puts the router's ECMP in front of them */}
        <MembersField
          path={at('balancer')}
          members={Array.isArray(svc.balancer) ? svc.balancer : undefined}
          onCommit={(names) => {
            set({ balancer: names.length > 1 ? names : (names[0] ?? balancersOf(svc)[0]) });
            seal();
          }}
        />
        <div className="grid2">
          <TextField label="VIP" testid="service-vip" path={at('vip')} value={svc.vip} placeholder={running && !svc.vip ? t('inspector.service.autoVip', { vip: running.vip }) : t('inspector.auto')} onChange={(v) => set({ vip: v || undefined }, 'vip')} onBlur={seal} />
          <NumberField label={t('inspector.service.port')} testid="service-port" path={at('port')} value={svc.port} placeholder={String(PROTOCOL_PORTS[svc.protocol ?? 'http'])} onChange={(v) => set({ port: v }, 'port')} onBlur={seal} />
        </div>
        <TextField
          label={t('inspector.service.vip6')}
          testid="service-vip6"
          path={at('vip6')}
          value={svc.vip6}
          placeholder={t('inspector.service.vip6Placeholder')}
          hint={running?.vip6 && svc.vip6 === 'auto' ? t('inspector.service.autoVip', { vip: running.vip6 }) : t('inspector.service.vip6Hint')}
          error={vip6Problem(svc.vip6) && t('inspector.service.vip6Syntax')}
          onChange={(v) => set({ vip6: v.trim() || undefined }, 'vip6')}
          onBlur={seal}
        />
        <SelectField<Protocol>
          label={t('inspector.service.protocol')}
          testid="service-protocol"
          path={at('protocol')}
          value={svc.protocol ?? ''}
          allowEmpty={t('inspector.service.defaultX', { value: 'http' })}
          options={PROTOCOLS.map((p) => ({ value: p, label: PROTOCOL_LABEL(p) }))}
          onChange={(v) => set({ protocol: (v || undefined) as Protocol | undefined })}
        />
        <SelectField<Mode>
          label={t('inspector.service.mode')}
          testid="service-mode"
          path={at('mode')}
          value={svc.mode}
          options={MODES.map((m) => ({
            value: m,
            label: unavailable[m] ? t('inspector.service.modeUnavailable', { label: MODE_LABEL(m) }) : MODE_LABEL(m),
            title: unavailable[m],
            unavailable: !!unavailable[m],
          }))}
          error={refused ? t('inspector.service.switchRefused', { why: t('app.live.modeRefusal', { service: name, mode: refused.mode, why: refused.why }) }) : undefined}
          hint={
            unavailable[svc.mode] ? (
              <span data-testid="mode-unavailable">{t('inspector.service.notOnTopologyWhy', { why: unavailable[svc.mode] })}</span>
            ) : deployed ? (
              t('inspector.service.runningSwitchesLive')
            ) : Object.keys(unavailable).length ? (
              t('inspector.service.hoverWhy')
            ) : undefined
          }
          onChange={(v) => p.onModeChange(name, v)}
        />
        <SelectField<Scheduler>
          label={t('inspector.service.scheduler')}
          testid="service-scheduler"
          path={at('scheduler')}
          value={svc.scheduler ?? ''}
          allowEmpty={t('inspector.service.defaultX', { value: 'maglev' })}
          options={SCHEDULERS.map((s) => ({ value: s, label: SCHED_LABEL(s) }))}
          onChange={(v) => set({ scheduler: (v || undefined) as Scheduler | undefined })}
        />
        {svc.mode === 'l7' && (
          <SelectField<Gateway>
            label={t('inspector.service.gateway')}
            testid="service-gateway"
            path={at('gateway')}
            value={svc.gateway ?? ''}
            allowEmpty={t('inspector.service.defaultX', { value: 'haproxy' })}
            options={GATEWAYS.map((g) => ({ value: g, label: `${g}: ${t(`compareGateways.model.${g}`)}` }))}
            onChange={(v) => set({ gateway: (v || undefined) as Gateway | undefined })}
          />
        )}
      </Section>

      <Section title={t('inspector.service.backends')}>
        {svc.backends.length === 0 && <p className="muted small">{t('inspector.service.noBackend')}</p>}
        {svc.backends.map((b, i) => (
          <div className={`backend-row${[...issues.fields.keys()].some((k) => k === at('backends', i) || k.startsWith(`${at('backends', i)}.`)) ? ' has-issues' : ''}`} key={`${bName(b)}-${i}`} data-testid={`backend-row-${bName(b)}`}>
            <span className="backend-name">{bName(b)}</span>
            <NumberField
              label={t('inspector.service.weight')}
              testid={`backend-weight-${bName(b)}`}
              path={at('backends', i, 'weight')}
              value={bWeight(b)}
              placeholder="1"
              onChange={(w) => set({ backends: svc.backends.map((x, j) => (j === i ? mkBackend(bName(x), w) : x)) }, `w${i}`)}
              onBlur={seal}
            />
            <button type="button" className="icon-btn" aria-label={t('inspector.service.removeBackend', { name: bName(b) })} data-testid={`backend-remove-${bName(b)}`} onClick={() => set({ backends: svc.backends.filter((_, j) => j !== i) })}>
              <Icon.trash />
            </button>
          </div>
        ))}
        {unused.length > 0 && (
          <SelectField<string> label={t('inspector.service.addBackend')} testid="service-add-backend" path={at('backends')} value="" allowEmpty={t('inspector.service.chooseServer')} options={unused} onChange={(v) => v && set({ backends: [...svc.backends, v] })} />
        )}
      </Section>

      <Section
        title={t('inspector.service.routes')}
        actions={
          <button type="button" className="btn small" data-testid="add-route" onClick={() => set({ routes: [...routes, { path: '/', backends: svc.backends.slice(0, 1).map(bName) }] })}>
            <Icon.plus /> {t('inspector.service.route')}
          </button>
        }
      >
        {svc.mode !== 'l7' && <p className="muted small">{t('inspector.service.routesL7Only')}</p>}
        {routes.map((r, i) => {
          const header = r.header ? Object.entries(r.header).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
          return (
            <div className="route" key={i} data-testid={`route-${i}`}>
              <div className="link-row-head">
                <span className="muted small">{t('inspector.service.routeN', { n: i + 1 })}</span>
                <button type="button" className="icon-btn" aria-label={t('inspector.service.removeRoute', { n: i + 1 })} onClick={() => set({ routes: routes.filter((_, j) => j !== i).length ? routes.filter((_, j) => j !== i) : undefined })}>
                  <Icon.trash />
                </button>
              </div>
              <div className="grid2">
                <TextField label={t('inspector.service.pathPrefix')} testid={`route-${i}-path`} path={at('routes', i, 'path')} value={r.path} placeholder="/api" onChange={(v) => setRoute(i, { path: v || undefined }, `rp${i}`)} onBlur={seal} />
                <TextField label={t('inspector.service.host')} testid={`route-${i}-host`} path={at('routes', i, 'host')} value={r.host} placeholder={t('inspector.service.any')} onChange={(v) => setRoute(i, { host: v || undefined }, `rh${i}`)} onBlur={seal} />
              </div>
              <TextField
                label={t('inspector.service.headers')}
                testid={`route-${i}-header`}
                path={at('routes', i, 'header')}
                value={header}
                placeholder="X-Canary: 1"
                hint={t('inspector.service.headersHint')}
                onChange={(v) => setRoute(i, { header: parseHeaders(v) }, `rhd${i}`)}
                onBlur={seal}
              />
              <div className="checks" role="group" aria-label={t('inspector.service.routeBackends')}>
                {candidates.map((c) => {
                  const on = r.backends.some((b) => bName(b) === c);
                  return (
                    <label key={c} className="check">
                      <input
                        type="checkbox"
                        checked={on}
                        onChange={() => setRoute(i, { backends: on ? r.backends.filter((b) => bName(b) !== c) : [...r.backends, c] })}
                      />
                      {c}
                    </label>
                  );
                })}
              </div>
            </div>
          );
        })}
      </Section>

      <Section title={t('inspector.service.health')}>
        <div className="grid2">
          <SelectField<'tcp' | 'http'> label={t('inspector.service.type')} testid="health-type" path={at('health', 'type')} value={health.type ?? ''} allowEmpty={t('inspector.service.defaultX', { value: 'tcp' })} options={['tcp', 'http']} onChange={(v) => setHealth({ type: v || undefined })} />
          <TextField label={t('inspector.service.interval')} testid="health-interval" path={at('health', 'interval')} value={health.interval} placeholder="500ms" onChange={(v) => setHealth({ interval: v || undefined }, 'hi')} onBlur={seal} />
        </div>
        {health.type === 'http' && <TextField label={t('inspector.service.httpPath')} testid="health-path" path={at('health', 'path')} value={health.path} placeholder="/" onChange={(v) => setHealth({ path: v || undefined }, 'hp')} onBlur={seal} />}
      </Section>

      <DangerButton
        testid="delete-service"
        onClick={() => {
          edit(removeService(doc, name));
          select({ type: 'lab' });
        }}
      >
        {t('inspector.service.delete', { name })}
      </DangerButton>
    </div>
  );
}

export function parseHeaders(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const i = part.indexOf(':');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (k) out[k] = part.slice(i + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** A tier's members as one comma-separated line, applied when the field loses focus (typing `lb1,` must not
 * collapse the list on the way): two or more names make a tier, one (or none) the single balancer again. */
function MembersField(p: { path: string; members: string[] | undefined; onCommit(names: string[]): void }) {
  const { t } = useTranslation();
  const shown = p.members?.join(', ') ?? '';
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shown]);
  return (
    <TextField
      label={t('inspector.service.members')}
      testid="service-members"
      path={p.path}
      value={draft}
      placeholder={t('inspector.service.membersPlaceholder')}
      onChange={setDraft}
      onBlur={() => draft !== shown && p.onCommit(draft.split(',').map((x) => x.trim()).filter(Boolean))}
    />
  );
}
