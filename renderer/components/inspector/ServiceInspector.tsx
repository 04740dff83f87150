import { GATEWAYS, GATEWAY_MODELS, MODES, PROTOCOL_PORTS, PROTOCOLS, SCHEDULERS, balancersOf, type BackendDoc, type Gateway, type Protocol, type HealthDoc, type Mode, type RouteDoc, type Scheduler, type ServiceDoc } from '../../../electron/api';
import { useEffect, useState } from 'react';
import { clean, removeService, renameService, setService } from '../../state/doc-ops';
import { useModeAvailability } from './useModeAvailability';
import { Icon } from '../icons';
import { taken, type InspectorProps } from './context';
import { DangerButton, NameField, NumberField, Section, SelectField, TextField } from './fields';

const MODE_LABEL: Record<Mode, string> = {
  dsr: 'dsr — direct routing (L2, MAC rewrite)',
  tunnel: 'tunnel — IPIP encapsulation (L3)',
  nat: 'nat — destination NAT (L3)',
  snat: 'snat — full NAT (L3)',
  l4proxy: 'l4proxy — two TCP connections (L4)',
  l7: 'l7 — HTTP gateway (L7)',
};
const PROTOCOL_LABEL: Record<Protocol, string> = { http: 'http (nginx)', tcp: 'tcp (etcd; not l7)', websocket: 'websocket (websocketd echo)' };
const SCHED_LABEL: Record<Scheduler, string> = { maglev: 'maglev (consistent hash)', rr: 'rr (round robin)', wrr: 'wrr (weighted rr)', lc: 'lc (least connections)', sh: 'sh (source hash)' };

const bName = (b: string | BackendDoc) => (typeof b === 'string' ? b : b.node);
const bWeight = (b: string | BackendDoc) => (typeof b === 'string' ? undefined : b.weight);
const mkBackend = (node: string, weight: number | undefined): string | BackendDoc => (weight === undefined ? node : { node, weight });

export function ServiceInspector(p: InspectorProps & { name: string }) {
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
      <Section title="Service">
        {problems.length > 0 && (
          <ul className="inline-issues" data-testid="service-problems">
            {problems.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        {running && (
          <div className="live-box" data-testid="service-live">
            <span className="dot on" /> live: VIP{' '}
            <strong className="mono" data-testid="service-live-vip">
              {running.vip}
            </strong>
            :{running.port} · <span data-testid="service-live-mode">{running.mode}</span> · {running.scheduler}
          </div>
        )}
        <NameField
          label="Name"
          testid="service-name"
          value={name}
          taken={taken(doc)}
          onRename={(v) => {
            edit(renameService(doc, name, v));
            select({ type: 'service', name: v });
          }}
        />
        <SelectField<string> label="Balancer" testid="service-balancer" path={at('balancer')} value={balancersOf(svc)[0]} allowEmpty="choose a balancer…" options={balancers} onChange={(v) => set({ balancer: Array.isArray(svc.balancer) ? [v, ...svc.balancer.slice(1)] : v })} />
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
          <TextField label="VIP" testid="service-vip" path={at('vip')} value={svc.vip} placeholder={running && !svc.vip ? `auto: ${running.vip}` : 'auto'} onChange={(v) => set({ vip: v || undefined }, 'vip')} onBlur={seal} />
          <NumberField label="Port" testid="service-port" path={at('port')} value={svc.port} placeholder={String(PROTOCOL_PORTS[svc.protocol ?? 'http'])} onChange={(v) => set({ port: v }, 'port')} onBlur={seal} />
        </div>
        <SelectField<Protocol>
          label="Protocol"
          testid="service-protocol"
          path={at('protocol')}
          value={svc.protocol ?? ''}
          allowEmpty="default (http)"
          options={PROTOCOLS.map((p) => ({ value: p, label: PROTOCOL_LABEL[p] }))}
          onChange={(v) => set({ protocol: (v || undefined) as Protocol | undefined })}
        />
        <SelectField<Mode>
          label="Mode"
          testid="service-mode"
          path={at('mode')}
          value={svc.mode}
          options={MODES.map((m) => ({
            value: m,
            label: unavailable[m] ? `${MODE_LABEL[m]} · not on this topology` : MODE_LABEL[m],
            title: unavailable[m],
            unavailable: !!unavailable[m],
          }))}
          error={refused ? `Switch refused: ${refused}` : undefined}
          hint={
            unavailable[svc.mode] ? (
              <span data-testid="mode-unavailable">Not on this topology: {unavailable[svc.mode]}</span>
            ) : deployed ? (
              'The lab is running: changing the mode switches it live.'
            ) : Object.keys(unavailable).length ? (
              'Modes marked “not on this topology” say why on hover.'
            ) : undefined
          }
          onChange={(v) => p.onModeChange(name, v)}
        />
        <SelectField<Scheduler>
          label="Scheduler"
          testid="service-scheduler"
          path={at('scheduler')}
          value={svc.scheduler ?? ''}
          allowEmpty="default (maglev)"
          options={SCHEDULERS.map((s) => ({ value: s, label: SCHED_LABEL[s] }))}
          onChange={(v) => set({ scheduler: (v || undefined) as Scheduler | undefined })}
        />
        {svc.mode === 'l7' && (
          <SelectField<Gateway>
            label="Gateway"
            testid="service-gateway"
            path={at('gateway')}
            value={svc.gateway ?? ''}
            allowEmpty="default (haproxy)"
            options={GATEWAYS.map((g) => ({ value: g, label: `${g}: ${GATEWAY_MODELS[g]}` }))}
            onChange={(v) => set({ gateway: (v || undefined) as Gateway | undefined })}
          />
        )}
      </Section>

      <Section title="Backends">
        {svc.backends.length === 0 && <p className="muted small">No backend yet.</p>}
        {svc.backends.map((b, i) => (
          <div className={`backend-row${[...issues.fields.keys()].some((k) => k === at('backends', i) || k.startsWith(`${at('backends', i)}.`)) ? ' has-issues' : ''}`} key={`${bName(b)}-${i}`} data-testid={`backend-row-${bName(b)}`}>
            <span className="backend-name">{bName(b)}</span>
            <NumberField
              label="Weight"
              testid={`backend-weight-${bName(b)}`}
              path={at('backends', i, 'weight')}
              value={bWeight(b)}
              placeholder="1"
              onChange={(w) => set({ backends: svc.backends.map((x, j) => (j === i ? mkBackend(bName(x), w) : x)) }, `w${i}`)}
              onBlur={seal}
            />
            <button type="button" className="icon-btn" aria-label={`remove backend ${bName(b)}`} data-testid={`backend-remove-${bName(b)}`} onClick={() => set({ backends: svc.backends.filter((_, j) => j !== i) })}>
              <Icon.trash />
            </button>
          </div>
        ))}
        {unused.length > 0 && (
          <SelectField<string> label="Add a backend" testid="service-add-backend" path={at('backends')} value="" allowEmpty="choose a server…" options={unused} onChange={(v) => v && set({ backends: [...svc.backends, v] })} />
        )}
      </Section>

      <Section
        title="L7 routes"
        actions={
          <button type="button" className="btn small" data-testid="add-route" onClick={() => set({ routes: [...routes, { path: '/', backends: svc.backends.slice(0, 1).map(bName) }] })}>
            <Icon.plus /> Route
          </button>
        }
      >
        {svc.mode !== 'l7' && <p className="muted small">Routes apply in l7 mode only (first match wins).</p>}
        {routes.map((r, i) => {
          const header = r.header ? Object.entries(r.header).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
          return (
            <div className="route" key={i} data-testid={`route-${i}`}>
              <div className="link-row-head">
                <span className="muted small">route {i + 1}</span>
                <button type="button" className="icon-btn" aria-label={`remove route ${i + 1}`} onClick={() => set({ routes: routes.filter((_, j) => j !== i).length ? routes.filter((_, j) => j !== i) : undefined })}>
                  <Icon.trash />
                </button>
              </div>
              <div className="grid2">
                <TextField label="Path prefix" testid={`route-${i}-path`} path={at('routes', i, 'path')} value={r.path} placeholder="/api" onChange={(v) => setRoute(i, { path: v || undefined }, `rp${i}`)} onBlur={seal} />
                <TextField label="Host" testid={`route-${i}-host`} path={at('routes', i, 'host')} value={r.host} placeholder="any" onChange={(v) => setRoute(i, { host: v || undefined }, `rh${i}`)} onBlur={seal} />
              </div>
              <TextField
                label="Headers"
                testid={`route-${i}-header`}
                path={at('routes', i, 'header')}
                value={header}
                placeholder="X-Canary: 1"
                hint="Name: value; separate several with ;"
                onChange={(v) => setRoute(i, { header: parseHeaders(v) }, `rhd${i}`)}
                onBlur={seal}
              />
              <div className="checks" role="group" aria-label="route backends">
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

      <Section title="Health check">
        <div className="grid2">
          <SelectField<'tcp' | 'http'> label="Type" testid="health-type" path={at('health', 'type')} value={health.type ?? ''} allowEmpty="default (tcp)" options={['tcp', 'http']} onChange={(v) => setHealth({ type: v || undefined })} />
          <TextField label="Interval" testid="health-interval" path={at('health', 'interval')} value={health.interval} placeholder="500ms" onChange={(v) => setHealth({ interval: v || undefined }, 'hi')} onBlur={seal} />
        </div>
        {health.type === 'http' && <TextField label="HTTP path" testid="health-path" path={at('health', 'path')} value={health.path} placeholder="/" onChange={(v) => setHealth({ path: v || undefined }, 'hp')} onBlur={seal} />}
      </Section>

      <DangerButton
        testid="delete-service"
        onClick={() => {
          edit(removeService(doc, name));
          select({ type: 'lab' });
        }}
      >
        Delete service {name}
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
  const shown = p.members?.join(', ') ?? '';
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shown]);
  return (
    <TextField
      label="Tier members"
      testid="service-members"
      path={p.path}
      value={draft}
      placeholder="one balancer (a tier: lb1, lb2, lb3)"
      onChange={setDraft}
      onBlur={() => draft !== shown && p.onCommit(draft.split(',').map((x) => x.trim()).filter(Boolean))}
    />
  );
}
