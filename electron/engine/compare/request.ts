// Everything a comparison checks before it touches the lab: the request's
// numbers, the lab (there, running), the service, the rows this topology can
// run, the clients. Each refusal is one line naming what is wrong.
import { ApiError, COMPARE_OBJECTS, MAX_TIER_MEMBERS, COMPARE_ROWS, DEFAULT_GATEWAY, DEFAULT_HOOK, GATEWAYS, HOOKS, MAX_WORKERS, MODES, NAME_RE, delayRefusal, gatewayRefusal, isDataplaneMode, isGateway, isHook, type CompareModeAvailability, type CompareRequest, type CompareRow, type Gateway, type Hook, type LabStatus, type Mode, type ServiceStatus } from '../../api';
import type { ComparePort } from './port';
import { directUnreachable } from './reference-rows';
import { memberRows, planMembers } from './tier-rows';
import { objectPath, splitEven } from './wrk';

export const COMPARE_DEFAULTS = { object: '1m', connections: 12, duration: 10, warmup: 2, repeat: 3 } as const;

const bad = (m: string) => new ApiError(m, 'bad-request');

/** The request's own fields, checked with messages people can act on (the schema's bounds, stated plainly). */
export function checkRequestFields(req: CompareRequest): void {
  const r = req as Record<string, unknown>;
  const known = ['lab', 'service', 'modes', 'gateways', 'hooks', 'keepAlive', 'workers', 'members', 'object', 'connections', 'duration', 'warmup', 'repeat', 'family'];
  const extra = Object.keys(r).find((k) => !known.includes(k));
  if (extra) throw bad(`unknown comparison option ${extra} (options: ${known.join(', ')})`);
  if (typeof r.lab !== 'string' || !NAME_RE.test(r.lab)) throw bad(`${JSON.stringify(r.lab)} is not a lab name`);
  if (r.service !== undefined && (typeof r.service !== 'string' || !NAME_RE.test(r.service))) throw bad(`${JSON.stringify(r.service)} is not a service name`);
  const num = (k: string, lo: number, hi: number, what: string, int = false) => {
    const v = r[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
      throw bad(`${k} must be ${int ? 'a whole number ' : ''}${lo}–${hi}${what} (got ${typeof v === 'number' ? v : JSON.stringify(v)})`);
  };
  num('duration', 1, 600, ' seconds');
  num('warmup', 0, 600, ' seconds');
  num('connections', 1, 10000, '', true);
  num('repeat', 1, 100, '', true);
  num('workers', 1, MAX_WORKERS, ' workers', true);
  if (r.object !== undefined) {
    const o = r.object;
    if (typeof o !== 'string' || !((COMPARE_OBJECTS as readonly string[]).includes(o) || (o.length <= 256 && /^\/[A-Za-z0-9._~/-]*$/.test(o))))
      throw bad(`unknown object ${JSON.stringify(o)}: use one of ${COMPARE_OBJECTS.join(', ')} or a /path on the servers`);
    const delay = delayRefusal(o);
    if (delay) throw bad(delay);
  }
  if (r.family !== undefined && r.family !== 4 && r.family !== 6) throw bad(`family must be 4 or 6 (got ${JSON.stringify(r.family)})`);
  if (r.keepAlive !== undefined && typeof r.keepAlive !== 'boolean') throw bad(`keepAlive must be true or false (got ${JSON.stringify(r.keepAlive)})`);
  if (r.gateways !== undefined) {
    if (!Array.isArray(r.gateways) || r.gateways.length === 0) throw bad(`gateways must list at least one of ${GATEWAYS.join(', ')}`);
    const unknown = r.gateways.find((g) => typeof g !== 'string' || !isGateway(g));
    if (unknown !== undefined) throw bad(`unknown gateway ${JSON.stringify(unknown)} (gateways: ${GATEWAYS.join(', ')})`);
    const dup = r.gateways.find((g, i) => (r.gateways as unknown[]).indexOf(g) !== i);
    if (dup !== undefined) throw bad(`gateway ${dup} is listed twice`);
    if (r.modes !== undefined) throw bad('compare either modes or gateways (gateways run the service in l7)');
  }
  if (r.members !== undefined) {
    const m = r.members;
    if (!Array.isArray(m) || m.length === 0 || m.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_TIER_MEMBERS))
      throw bad(`members must list tier sizes, whole numbers 1–${MAX_TIER_MEMBERS} (got ${JSON.stringify(m)})`);
    if (r.gateways !== undefined) throw bad('compare either gateways or tier sizes (members), not both');
  }
  if (r.hooks !== undefined) checkHooksField(r);
  if (r.modes !== undefined) {
    if (!Array.isArray(r.modes) || r.modes.length === 0) throw bad(`modes must list at least one of ${COMPARE_ROWS.join(', ')}`);
    const unknown = r.modes.find((m) => !(COMPARE_ROWS as readonly unknown[]).includes(m));
    if (unknown !== undefined) throw bad(`unknown mode ${JSON.stringify(unknown)} (modes: ${COMPARE_ROWS.join(', ')})`);
    const dup = r.modes.find((m, i) => r.modes !== undefined && (r.modes as unknown[]).indexOf(m) !== i);
    if (dup !== undefined) throw bad(`mode ${dup} is listed twice`);
  }
}

/** hooks: tc and/or xdp, each once, for the eBPF modes only (the gateways and the reference rows do not run the core). */
function checkHooksField(r: Record<string, unknown>): void {
  const h = r.hooks;
  if (!Array.isArray(h) || h.length === 0) throw bad(`hooks must list at least one of ${HOOKS.join(', ')}`);
  const unknown = h.find((x) => typeof x !== 'string' || !isHook(x));
  if (unknown !== undefined) throw bad(`unknown hook ${JSON.stringify(unknown)} (hooks: ${HOOKS.join(', ')})`);
  const dup = h.find((x, i) => h.indexOf(x) !== i);
  if (dup !== undefined) throw bad(`hook ${dup} is listed twice`);
  if (r.gateways !== undefined) throw bad('hooks run the eBPF core, which the gateways (l7) do not use: compare either hooks or gateways');
  if (r.members !== undefined) throw bad('compare either tier sizes (members) or hooks, not both');
  const gw = Array.isArray(r.modes) ? r.modes.find((m) => typeof m === 'string' && !isDataplaneMode(m)) : undefined;
  if (gw !== undefined) throw bad(`hooks run the eBPF core, which ${gw} does not use: compare dsr, tunnel, nat or snat across hooks`);
}

/** The lab, running; else one line. */
export async function runningLab(port: ComparePort, lab: string): Promise<LabStatus> {
  const status = await port.status(lab);
  if (status.state === 'absent') throw new ApiError(`no lab named ${lab}`, 'not-found');
  const down = status.nodes.find((n) => n.state !== 'running');
  if (status.state !== 'running' || down)
    throw new ApiError(`lab ${lab} is not running${down ? ` (node ${down.name} is ${down.state})` : ''}: deploy it with \`lblab up\``, 'conflict');
  return status;
}

export function serviceOf(status: LabStatus, service?: string): ServiceStatus {
  const names = status.services.map((s) => s.name);
  if (service === undefined) {
    if (names.length === 1) return status.services[0];
    if (!names.length) throw new ApiError(`lab ${status.name} has no service to compare`, 'bad-request');
    throw new ApiError(`lab ${status.name} has several services (${names.join(', ')}): name one`, 'bad-request');
  }
  const s = status.services.find((x) => x.name === service);
  if (!s) throw new ApiError(`lab ${status.name} has no service ${service} (services: ${names.join(', ') || 'none'})`, 'not-found');
  return s;
}

export const clientsOf = (status: LabStatus) => status.nodes.filter((n) => n.kind === 'client').map((n) => n.name);

/** Which rows this lab's topology can run for the service, and why not the others. */
export async function availability(port: ComparePort, status: LabStatus, svc: ServiceStatus): Promise<CompareModeAvailability[]> {
  const issues = await port.checkModes(status.name, svc.name, MODES);
  const out: CompareModeAvailability[] = MODES.map((mode) => (issues[mode] ? { mode, ok: false, reason: issues[mode] } : { mode, ok: true }));
  const okModes = MODES.filter((m) => !issues[m]);
  const clients = clientsOf(status);
  const direct = !clients.length
    ? 'the lab has no client node'
    : directUnreachable(status, svc, clients) ??
      (okModes.some((m) => m !== 'nat') ? undefined : 'direct needs the servers to answer through the lab\'s routers, and this topology runs only nat');
  out.push(direct ? { mode: 'direct', ok: false, reason: direct } : { mode: 'direct', ok: true });
  out.push(issues.nat ? { mode: 'kernel-nat', ok: false, reason: `kernel-nat needs nat's topology: ${issues.nat}` } : { mode: 'kernel-nat', ok: true });
  return out;
}

/** A comparison over IPv6: the service has a vip6, and every row can go there (one line for the first that cannot). */
function checkFamily6(status: LabStatus, svc: ServiceStatus, rows: CompareRow[]): void {
  if (!svc.vip6) throw bad(`service ${svc.name} of lab ${status.name} has no IPv6 VIP (give it vip6 on a network with subnet6) to compare over IPv6`);
  // kernel-nat's nftables rule is IPv4's (ip daddr … dnat to): it has no IPv6 twin here
  if (rows.includes('kernel-nat')) throw bad('kernel-nat has no IPv6 row (its nftables DNAT rule is IPv4 only): leave it out, or compare over IPv4');
  const v4only = svc.backends.find((b) => !b.address6);
  if (rows.includes('direct') && v4only) throw bad(`direct over IPv6 needs every server's IPv6 address, and backend ${v4only.node} has none`);
}

/** A request checked against the live lab: what the runner needs, nothing left to decide. */
export interface PreparedCompare {
  lab: string;
  service: ServiceStatus;
  status: LabStatus;
  originalMode: Mode;
  rows: CompareRow[];
  /** the balancer's modes this topology can run (direct picks its host mode among them) */
  available: Mode[];
  object: string;
  path: string;
  connections: number;
  duration: number;
  warmup: number;
  repeat: number;
  /** the clients that run wrk and their connections */
  clients: { node: string; connections: number }[];
  /** a comparison across tier sizes: each size, and the tier's members in order */
  members?: { sizes: number[]; tier: string[] };
  /** a comparison across hooks: each in turn for every row, and the balancer's own (the lab file's) to put back */
  hooks?: Hook[];
  originalHook?: Hook;
  /** a comparison across gateways (rows is ['l7']): each in turn, and the one to put back */
  gateways?: Gateway[];
  originalGateway?: Gateway;
  keepAlive: boolean;
  workers?: number;
  /** where the load goes: the service's vip, or its vip6 (family 6) */
  target: string;
  /** 6: over IPv6 (the vip6; direct: the servers' IPv6 addresses) */
  family?: 6;
  balancer: string;
  servers: string[];
}

export async function prepareCompare(port: ComparePort, req: CompareRequest): Promise<PreparedCompare> {
  checkRequestFields(req);
  const status = await runningLab(port, req.lab);
  const svc = serviceOf(status, req.service);
  const avail = await availability(port, status, svc);
  const okRows = avail.filter((a) => a.ok).map((a) => a.mode);
  const sizes = req.members && planMembers(req.members, svc);
  let rows: CompareRow[];
  if (req.gateways) {
    // every gateway carries HTTP and WebSocket; a tcp service has no l7 (the availability below says why)
    const l7 = avail.find((x) => x.mode === 'l7');
    if (!l7?.ok) throw bad(`gateways need service ${svc.name} in l7, which lab ${status.name} cannot run: ${l7?.reason ?? 'unknown'}`);
    const sd = status.doc?.services?.[svc.name];
    for (const g of req.gateways) {
      const why = gatewayRefusal(g, { scheduler: svc.scheduler, routes: sd?.routes });
      if (why) throw bad(why);
    }
    rows = ['l7'];
  } else if (sizes) {
    rows = memberRows(req.modes, svc);
    for (const m of rows) {
      const a = avail.find((x) => x.mode === m);
      if (!a?.ok) throw bad(`${m} is not available for service ${svc.name} of lab ${status.name}: ${a?.reason ?? 'unknown mode'}`);
    }
  } else if (req.modes) {
    for (const m of req.modes) {
      const a = avail.find((x) => x.mode === m);
      if (!a?.ok) throw bad(`${m} is not available for service ${svc.name} of lab ${status.name}: ${a?.reason ?? 'unknown mode'}`);
    }
    rows = [...req.modes];
  } else if (req.hooks) {
    // across hooks: every eBPF mode the topology runs
    rows = MODES.filter((m) => isDataplaneMode(m) && okRows.includes(m));
    if (!rows.length) throw bad(`service ${svc.name} of lab ${status.name} can run in no eBPF mode (dsr, tunnel, nat, snat), so hooks have nothing to compare`);
  } else {
    rows = MODES.filter((m) => okRows.includes(m));
    if (!rows.length) throw bad(`service ${svc.name} of lab ${status.name} can run in none of the balancer's modes`);
  }
  // the hook is switched on the balancer the load goes through: one, not a tier
  if (req.hooks && (svc.members?.length ?? 1) > 1) throw bad(`service ${svc.name} runs on a tier (${svc.members!.join(', ')}): hooks are compared on a single balancer`);
  if (req.family === 6) checkFamily6(status, svc, rows);
  const clientNodes = clientsOf(status);
  if (!clientNodes.length) throw bad(`lab ${status.name} has no client node to run the load from`);
  const connections = req.connections ?? COMPARE_DEFAULTS.connections;
  const used = clientNodes.slice(0, Math.min(clientNodes.length, connections));
  const split = splitEven(connections, used.length);
  const object = req.object ?? COMPARE_DEFAULTS.object;
  // wrk takes whole seconds
  const duration = Math.max(1, Math.round(req.duration ?? COMPARE_DEFAULTS.duration));
  const warmup = Math.max(0, Math.round(req.warmup ?? COMPARE_DEFAULTS.warmup));
  return {
    lab: status.name,
    service: svc,
    status,
    originalMode: svc.mode,
    rows,
    available: MODES.filter((m) => okRows.includes(m)),
    object,
    path: objectPath(object),
    connections,
    duration,
    warmup,
    repeat: req.repeat ?? COMPARE_DEFAULTS.repeat,
    clients: used.map((node, i) => ({ node, connections: split[i] })),
    balancer: svc.balancer,
    servers: [...new Set(svc.backends.map((b) => b.node))],
    ...(req.hooks && { hooks: [...req.hooks], originalHook: status.doc?.nodes?.[svc.balancer]?.hook ?? DEFAULT_HOOK }),
    ...(req.gateways && { gateways: [...req.gateways], originalGateway: status.doc?.services?.[svc.name]?.gateway ?? DEFAULT_GATEWAY }),
    keepAlive: req.keepAlive ?? true,
    target: req.family === 6 ? svc.vip6! : svc.vip,
    ...(req.family === 6 && { family: 6 as const }),
    ...(req.workers !== undefined && { workers: req.workers }),
    ...(sizes && { members: { sizes, tier: [...(svc.members ?? [])] } }),
  };
}
