// Full check of a lab document: schema (zod) first, then the topology rules
// that need the whole picture. Every issue carries its field path and the
// node / network / service it belongs to, so the UI can mark the culprit.
//
// Mode rules (what a topology must offer for a service to work in a mode):
// - dsr: every backend shares an L2 network with the balancer (only the
//   destination MAC changes, so the server must be one hop away on a bridge).
// - tunnel, snat, l4proxy, l7: every backend is reachable from the balancer,
//   on a shared network or across routers. In dsr and tunnel the server also
//   answers the client directly, so it must have a route back to every client
//   that can reach the VIP.
// - nat: every backend shares a network with the balancer (the balancer
//   becomes its default gateway, which must be on-link) AND shares no network
//   with any client node: replies to an on-link client leave directly (a
//   connected route beats the default route) and bypass the reverse
//   translation. A backend may be in nat mode for one balancer only (a node
//   has one default gateway).
// - Multi-tier: a `balancer` node that is the balancer of its own service may
//   be a backend of another service (e.g. L7 gateways behind a DSR tier); it is
//   then treated like a server of that service (VIP on lo in dsr/tunnel, …).
import { DEFAULT_GATEWAY, NAME_RE, balancersOf, gatewayRefusal, isTier, type LabDoc, type LabIssue, type Mode, type ValidationReport } from '../../api';
import { isDataplaneMode, isDirectReturnMode } from '../balancer/contract';
import { assignAddresses, type Addressing, type AddressingOptions } from './addressing';
import { issue, locate } from './issues';
import { nodeNetworks, reach } from './routes';
import { contains, ipToInt } from './net4';
import { untrustedImage } from './trust';
import { checkTier } from './tier';
import { schemaCheck, without } from './schema-check';
import { DEFAULT_PORT, DEFAULT_PORTS, serviceProtocol, servicePort } from './schema';

export { schemaCheck };

export interface ValidateOptions extends AddressingOptions {
  /** effective modes (live mode switches), overriding the file's `mode` per service */
  modes?: Record<string, Mode>;
}

export interface Analysis {
  doc?: LabDoc;
  addr?: Addressing;
  modes: Record<string, Mode>;
  issues: LabIssue[];
}

/**
 * Every problem at once, each located in words (`where`): the schema's, and
 * when the schema fails only on optional fields, the topology's on the rest
 * of the document too (a bad rate does not hide a server without links).
 */
export function validateLab(doc: unknown, opts: ValidateOptions = {}): ValidationReport {
  const { issues } = analyzeLab(doc, opts);
  const all = [...issues];
  const schema = issues.length ? schemaCheck(doc) : undefined;
  if (schema && !schema.doc && schema.strip?.length) {
    const rest = analyzeLab(without(doc, schema.strip), opts);
    if (rest.doc) {
      const said = new Set(all.map((i) => i.path.join('.')));
      all.push(...rest.issues.filter((i) => !said.has(i.path.join('.'))));
    }
  }
  return { ok: all.length === 0, issues: locate(all, doc) };
}

/** Schema + topology checks; on success also the addressing the planner builds on. */
export function analyzeLab(input: unknown, opts: ValidateOptions = {}): Analysis {
  const parsed = schemaCheck(input);
  if (!parsed.doc) return { issues: parsed.issues, modes: {} };
  const doc = parsed.doc;
  const modes: Record<string, Mode> = {};
  for (const [s, sd] of Object.entries(doc.services ?? {})) modes[s] = opts.modes?.[s] ?? sd.mode;
  for (const s of Object.keys(opts.modes ?? {})) {
    if (!doc.services?.[s]) return { doc, modes, issues: [issue(['services', s], `unknown service "${s}"`)] };
  }
  const issues: LabIssue[] = [];
  if (Object.keys(doc.nodes).length === 0) issues.push(issue(['nodes'], 'the lab has no nodes: add clients, a balancer and servers, or start from a template'));
  checkNames(doc, issues);
  checkLinks(doc, issues);
  checkHosts(doc, issues);
  checkImages(doc, issues);
  const addr = assignAddresses(doc, opts);
  issues.push(...addr.issues);
  checkServices(doc, addr, modes, issues);
  checkHooks(doc, issues);
  return { doc, addr, modes, issues };
}

// ------------------------------------------------------------------ names and links

function checkNames(doc: LabDoc, issues: LabIssue[]) {
  const bad = 'must be lowercase letters, digits and dashes (max 32), not starting or ending with a dash';
  for (const n of Object.keys(doc.networks)) if (!NAME_RE.test(n)) issues.push(issue(['networks', n], `network name "${n}" ${bad}`));
  for (const n of Object.keys(doc.nodes)) {
    if (!NAME_RE.test(n)) issues.push(issue(['nodes', n], `node name "${n}" ${bad}`));
    if (Object.prototype.hasOwnProperty.call(doc.networks, n)) {
      issues.push(issue(['nodes', n], `name "${n}" is used by a node and a network; names must be unique across nodes and networks`, { network: n }));
    }
  }
  for (const s of Object.keys(doc.services ?? {})) if (!NAME_RE.test(s)) issues.push(issue(['services', s], `service name "${s}" ${bad}`));
}

function checkLinks(doc: LabDoc, issues: LabIssue[]) {
  const known = Object.keys(doc.networks);
  for (const [node, nd] of Object.entries(doc.nodes)) {
    const seen = new Map<string, number>();
    nd.links.forEach((l, i) => {
      const path = ['nodes', node, 'links', i, 'network'];
      if (!Object.prototype.hasOwnProperty.call(doc.networks, l.network)) {
        issues.push(issue(path, `unknown network "${l.network}" (${known.length ? `known: ${known.join(', ')}` : 'no networks defined'})`));
      } else if (seen.has(l.network)) {
        issues.push(issue(path, `node ${node} is already linked to network ${l.network} (links[${seen.get(l.network)}]); one link per network`, { network: l.network }));
      } else seen.set(l.network, i);
    });
    const nets = seen.size;
    if (nd.kind === 'router' && nets < 2) {
      issues.push(issue(['nodes', node, 'links'], `a router needs links to at least 2 networks (has ${nets})`));
    } else if (nd.kind !== 'router' && nd.links.length === 0) {
      issues.push(issue(['nodes', node, 'links'], `a ${nd.kind} needs at least one link`));
    }
  }
}

/** Hosts: every node's `host` is one of `hosts`, and no two hosts name the same engine (as written:
 * names that resolve to one engine are caught at deploy time, when contexts are read). */
function checkHosts(doc: LabDoc, issues: LabIssue[]) {
  const hosts = Object.keys(doc.hosts ?? {});
  const bad = 'must be lowercase letters, digits and dashes (max 32), not starting or ending with a dash';
  for (const h of hosts) if (!NAME_RE.test(h)) issues.push(issue(['hosts', h], `host name "${h}" ${bad}`));
  const byEngine = new Map<string, string>();
  for (const [h, engine] of Object.entries(doc.hosts ?? {})) {
    const other = byEngine.get(engine);
    if (other) issues.push(issue(['hosts', h], `hosts ${other} and ${h} are the same engine (${engine}); give each host its own engine`));
    else byEngine.set(engine, h);
  }
  const first = hosts[0];
  if (first && Object.keys(doc.nodes).length && !Object.values(doc.nodes).some((nd) => (nd.host ?? first) === first)) {
    issues.push(issue(['hosts', first], `host ${first}, the lab's first host, holds no node: it keeps the lab's record, so place at least one node there (nodes without host go there)`));
  }
  for (const [node, nd] of Object.entries(doc.nodes)) {
    if (nd.host === undefined || hosts.includes(nd.host)) continue;
    issues.push(issue(['nodes', node, 'host'], hosts.length ? `unknown host "${nd.host}" (hosts: ${hosts.join(', ')})` : `unknown host "${nd.host}": the lab names no hosts (add hosts: { ${nd.host}: ENGINE })`));
  }
}

/** A node runs lblab's own image, or one its lab file trusts with the node's capabilities. */
function checkImages(doc: LabDoc, issues: LabIssue[]) {
  for (const node of Object.keys(doc.nodes)) {
    const why = untrustedImage(doc, node);
    if (why) issues.push(issue(['nodes', node, 'image'], why));
  }
}

/**
 * `hook` belongs to a balancer, and `xdp` to one that runs the eBPF core: a
 * service of it in dsr, tunnel, nat or snat as the file writes it (a live
 * switch to a gateway mode leaves the hook dormant, as it does snatAddresses).
 */
function checkHooks(doc: LabDoc, issues: LabIssue[]) {
  for (const [node, nd] of Object.entries(doc.nodes)) {
    if (nd.hook === undefined) continue;
    if (nd.kind !== 'balancer') {
      issues.push(issue(['nodes', node, 'hook'], `hook is for a balancer (${node} is a ${nd.kind})`));
      continue;
    }
    if (nd.hook !== 'xdp') continue;
    const mine = Object.values(doc.services ?? {}).filter((s) => balancersOf(s).includes(node));
    if (mine.some((s) => isDataplaneMode(s.mode))) continue;
    const modes = [...new Set(mine.map((s) => s.mode))];
    issues.push(issue(['nodes', node, 'hook'], `hook xdp runs the eBPF core, which balancer ${node} does not use (${modes.length ? `its services are ${modes.join(', ')} only` : 'it runs no service'}): use a dsr, tunnel, nat or snat service, or drop hook`));
  }
}

// ------------------------------------------------------------------ services and modes

const backendName = (b: string | { node: string }) => (typeof b === 'string' ? b : b.node);

function checkServices(doc: LabDoc, addr: Addressing, modes: Record<string, Mode>, issues: LabIssue[]) {
  const services = Object.entries(doc.services ?? {});
  const runsService = new Set(services.flatMap(([, s]) => balancersOf(s)));
  const clients = Object.keys(doc.nodes).filter((n) => doc.nodes[n].kind === 'client');
  const kindList = (k: string) => Object.keys(doc.nodes).filter((n) => doc.nodes[n].kind === k).join(', ') || 'none';
  const vipPorts = new Map<string, string>();
  const natGateway = new Map<string, { service: string; balancer: string }>();

  for (const [svc, sd] of services) {
    const at = (...p: (string | number)[]) => ['services', svc, ...p];
    const mode = modes[svc];
    const members = balancersOf(sd);
    const memberAt = (i: number) => (isTier(sd) ? at('balancer', i) : at('balancer'));
    const badMember = members.findIndex((m) => doc.nodes[m]?.kind !== 'balancer');
    if (badMember >= 0) {
      const m = members[badMember];
      const bal = doc.nodes[m];
      if (!bal) issues.push(issue(memberAt(badMember), `unknown node "${m}" (balancers: ${kindList('balancer')})`));
      else issues.push(issue(memberAt(badMember), `node ${m} is a ${bal.kind}, not a balancer`, { node: m }));
      continue;
    }
    const protocol = serviceProtocol(sd);
    if (protocol === 'tcp' && mode === 'l7') {
      issues.push(issue(at(sd.mode === 'l7' ? 'mode' : 'protocol'), `mode l7 cannot carry protocol tcp: an HTTP gateway cannot see inside a TCP stream (etcd speaks gRPC); use l4proxy or an L4 mode (dsr, tunnel, nat, snat)`));
    }
    if (protocol !== 'http' && servicePort(sd) === DEFAULT_PORT) {
      issues.push(issue(at('port'), `port ${DEFAULT_PORT} is the servers' nginx (HTTP); a ${protocol} service needs another port (default ${DEFAULT_PORTS[protocol]})`));
    }
    if (!checkTier(doc, svc, sd, mode, issues)) continue;
    const vip = addr.vips.get(svc);
    if (vip) {
      const key = `${vip}:${servicePort(sd)}`;
      const other = vipPorts.get(key);
      if (other) issues.push(issue(at(sd.vip ? 'vip' : 'port'), `${key} is already used by service ${other}`));
      else vipPorts.set(key, svc);
    }

    // routes go only to the service's own backends (their addresses and health are known). They
    // are used in l7 mode and dormant in the others — not an error, so a service can be switched
    // live from l7 to another mode and back (deploy/ re-validates the document with the new mode).
    const names = sd.backends.map(backendName);
    sd.routes?.forEach((r, ri) =>
      r.backends.forEach((b, bi) => {
        if (!names.includes(backendName(b))) {
          issues.push(issue(at('routes', ri, 'backends', bi), `backend ${backendName(b)} is not in the service's backends (${names.join(', ')})`));
        }
      }),
    );
    // the gateway serves l7 only: dormant in the other modes, like the routes
    const refused = mode === 'l7' ? gatewayRefusal(sd.gateway ?? DEFAULT_GATEWAY, { scheduler: sd.scheduler ?? 'maglev', routes: sd.routes }) : undefined;
    if (refused) issues.push(issue(at('gateway'), refused));
    if (sd.backends.every((b) => typeof b !== 'string' && b.weight === 0)) {
      issues.push(issue(at('backends'), 'every backend has weight 0: nothing would receive traffic'));
    }

    // every member must reach every backend the way the mode needs: the first problem per backend is said
    const seen = new Set<string>();
    for (const lb of members) {
      const said = new Set(issues.map((x) => x.path.join('.')));
      const lbNets = nodeNetworks(doc, lb);
      const fromLb = reach(doc, addr, lb);
      seen.clear();
      sd.backends.forEach((b, i) => {
        const name = backendName(b);
        const path = at('backends', i);
        const nd = doc.nodes[name];
        if (!nd) return void issues.push(issue(path, `unknown node "${name}" (servers: ${kindList('server')})`));
        const on = { node: name };
        if (seen.has(name)) return void issues.push(issue(path, `backend ${name} is listed twice`, on));
        seen.add(name);
        if (said.has(path.join('.'))) return;
        if (members.includes(name)) return void issues.push(issue(path, `balancer ${name} cannot be a backend of its own service`, on));
        if (nd.kind === 'balancer' && !runsService.has(name)) {
          return void issues.push(issue(path, `node ${name} is a balancer without a service of its own; a balancer is a backend only as a gateway of another tier`, on));
        }
        if (nd.kind !== 'server' && nd.kind !== 'balancer') {
          return void issues.push(issue(path, `node ${name} is a ${nd.kind}; backends must be servers (or balancers running their own service, for multi-tier)`, on));
        }
        // the tunnel's decapsulator and the eBPF balancer both take the ingress hook's one slot
        const own = nd.kind === 'balancer' ? services.find(([n, s]) => balancersOf(s).includes(name) && isDataplaneMode(modes[n])) : undefined;
        if (mode === 'tunnel' && own) {
          return void issues.push(issue(path, `mode tunnel cannot reach balancer ${name}: its service ${own[0]} runs in ${modes[own[0]]}, whose eBPF program holds the hook the IPIP decapsulator needs; run ${own[0]} in l4proxy or l7, or this service in another mode`, on));
        }
        const nets = nodeNetworks(doc, name);
        const shared = nets.filter((n) => lbNets.includes(n));
        const onNets = `${name} is on ${nets.join(', ') || 'no network'}`;
        if (mode === 'dsr' && shared.length === 0) {
          issues.push(issue(path, `mode dsr needs backend ${name} on a network of balancer ${lb} (${lbNets.join(', ')}); ${onNets} (use tunnel across routers)`, on));
        } else if (mode === 'nat') {
          if (shared.length === 0) {
            issues.push(issue(path, `mode nat needs backend ${name} on a network of balancer ${lb} (${lbNets.join(', ')}), its default gateway; ${onNets}`, on));
          } else {
            const c = clients.find((cl) => nodeNetworks(doc, cl).some((n) => nets.includes(n)));
            if (c) {
              const net = nodeNetworks(doc, c).find((n) => nets.includes(n));
              issues.push(issue(path, `mode nat: backend ${name} shares network ${net} with client ${c}, so its replies would bypass balancer ${lb}; put it on a network behind the balancer`, on));
            } else {
              const prev = natGateway.get(name);
              if (prev && prev.balancer !== lb) {
                issues.push(issue(path, `backend ${name} would need two default gateways (nat via ${prev.balancer} for service ${prev.service} and via ${lb})`, on));
              } else natGateway.set(name, { service: svc, balancer: lb });
            }
          }
        } else if (!nets.some((n) => fromLb.has(n))) {
          issues.push(issue(path, `backend ${name} is not reachable from balancer ${lb} (no shared network and no path through routers)`, on));
        } else if (isDirectReturnMode(mode) && vip) {
          // the server answers the client itself: it needs a route to every client that can send to the VIP
          const fromBackend = reach(doc, addr, name);
          const stranded = clientsOfVip(doc, addr, members, vip, clients).find((c) => !nodeNetworks(doc, c).some((n) => fromBackend.has(n)));
          if (stranded) {
            issues.push(issue(path, `mode ${mode}: backend ${name} has no route back to client ${stranded} (${nodeNetworks(doc, stranded).join(', ')}); ${mode} replies go from the server straight to the client`, on));
          }
        }
      });
    }
  }
}

/** Clients that can send to a VIP: those with a path to the balancer network the VIP lives on (a tier: to any member's network). */
function clientsOfVip(doc: LabDoc, addr: Addressing, members: string[], vip: string, clients: string[]): string[] {
  const v = ipToInt(vip);
  const nets = members.length > 1 || !nodeNetworks(doc, members[0]).some((n) => addr.subnets.get(n) && contains(addr.subnets.get(n)!, v))
    ? members.flatMap((m) => nodeNetworks(doc, m))
    : nodeNetworks(doc, members[0]).filter((n) => addr.subnets.get(n) && contains(addr.subnets.get(n)!, v));
  if (!nets.length) return [];
  return clients.filter((c) => { const r = reach(doc, addr, c); return nets.some((n) => r.has(n)); });
}
