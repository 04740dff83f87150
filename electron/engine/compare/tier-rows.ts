// A comparison across tier sizes (`members: [1, 2, 3]`): each run sends the load through the tier's
// first N members only. The router in front is told to leave the others out of its route to the VIP
// (a `<via>.out` file its health loop honours, like an operator draining a member), so the members
// left out stay up and idle and the next run can take them back at once. Each run records every
// member's CPU use; the summary gives each size its requests/s against the smallest size's.
import { type CompareRow, type CompareRun, type CompareSummary, type LabStatus, type ServiceStatus } from '../../api';
import { ApiError } from '../../api';
import { balancerResponseShare, median, spread } from './summary';

const bad = (m: string) => new ApiError(m, 'bad-request');

/** The tier sizes of a request, checked against the service: every size within its tier, each once. */
export function planMembers(sizes: number[], svc: Pick<ServiceStatus, 'name' | 'balancer' | 'members'>): number[] {
  const members = svc.members ?? [];
  if (members.length < 2) throw bad(`members compares tier sizes, and service ${svc.name} has one balancer (${svc.balancer}): name several (balancer: [lb1, lb2, …])`);
  const dup = sizes.find((n, i) => sizes.indexOf(n) !== i);
  if (dup !== undefined) throw bad(`members ${dup} is listed twice`);
  const over = sizes.find((n) => n > members.length);
  if (over !== undefined) throw bad(`members ${over}: service ${svc.name}'s tier has ${members.length} (${members.join(', ')})`);
  return [...sizes];
}

/** The rows a comparison across tier sizes runs: the modes asked for (balancer modes only), else the service's own. */
export function memberRows(modes: CompareRow[] | undefined, svc: Pick<ServiceStatus, 'mode'>): CompareRow[] {
  const ref = modes?.find((m) => m === 'direct' || m === 'kernel-nat');
  if (ref) throw bad(`members compares the tier in the balancer's modes; ${ref} does not go through the tier`);
  return modes ? [...modes] : [svc.mode];
}

/** The run entries: every row at every size, in the order given. */
export const memberEntries = (rows: CompareRow[], sizes: number[]) => rows.flatMap((row) => sizes.map((members) => ({ row, members })));

/** Every address of the members after the first `n`: the next hops the router leaves out. */
export function viasOut(status: Pick<LabStatus, 'nodes'>, members: string[], n: number): string[] {
  const out = new Set(members.slice(n));
  return status.nodes
    .filter((x) => out.has(x.name))
    .flatMap((x) => x.interfaces.map((i) => (i.address ?? '').split('/')[0]))
    .filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a))
    .sort();
}

/**
 * For a router: leave `out` out of every tier route it holds and install the routes now (the health
 * loop keeps honouring the files). A router that holds no tier does nothing. Addresses are checked.
 */
export function tierOnlyScript(out: string[]): string {
  for (const a of out) if (!/^\d+\.\d+\.\d+\.\d+$/.test(a)) throw new Error(`not an IPv4 address: ${a}`);
  return [
    'state="${LBLAB_STATE:-/run/lblab}"; dir="$state/tier"',
    '[ -s "$dir/conf" ] || exit 0',
    'rm -f "$dir"/*.out',
    ...out.map((a) => `: > "$dir/${a}.out"`),
    'LBLAB_STATE="$state" sh "$dir/watch.sh" once',
  ].join('\n');
}

/** The routers of a lab (those holding no tier route ignore the script). */
export const routersOf = (status: Pick<LabStatus, 'nodes'>) => status.nodes.filter((n) => n.kind === 'router').map((n) => n.name);

/** One entry per (row, size) with a run that has numbers: medians of its runs, and its req/s against the smallest size's. */
export function summarizeMembers(rows: CompareRow[], sizes: number[], runs: CompareRun[]): CompareSummary[] {
  const out: CompareSummary[] = [];
  const base = Math.min(...sizes);
  for (const mode of rows) {
    for (const members of sizes) {
      const ok = runs.filter((r) => r.mode === mode && r.members === members && !r.error);
      if (!ok.length) continue;
      const med = (f: (r: CompareRun) => number) => median(ok.map(f));
      const names = [...new Set(ok.flatMap((r) => Object.keys(r.memberCpu ?? {})))];
      const scale = roundRatio(runs, mode, members, base);
      out.push({
        mode,
        members,
        throughputMbps: spread(ok.map((r) => r.throughputMbps)),
        requestsPerSec: spread(ok.map((r) => r.requestsPerSec)),
        latencyMs: { p50: med((r) => r.latencyMs.p50), p90: med((r) => r.latencyMs.p90), p99: med((r) => r.latencyMs.p99) },
        errors: ok.reduce((a, r) => a + r.errors, 0),
        balancerResponseShare: balancerResponseShare(ok),
        memberCpu: Object.fromEntries(names.map((m) => [m, Math.round(med((r) => r.memberCpu?.[m] ?? 0) * 1000) / 1000])),
        ...(scale !== undefined && { scale }),
      });
    }
  }
  return out;
}

/** Requests/s of size `n` ÷ size `base`, per round (both ran), median: robust to load that moves between rounds. */
function roundRatio(runs: CompareRun[], mode: CompareRow, n: number, base: number): number | undefined {
  const ratios: number[] = [];
  for (const a of runs.filter((r) => r.mode === mode && r.members === n && !r.error)) {
    const b = runs.find((r) => r.mode === mode && r.members === base && r.repetition === a.repetition && !r.error);
    if (b && b.requestsPerSec > 0) ratios.push(a.requestsPerSec / b.requestsPerSec);
  }
  return ratios.length ? median(ratios) : undefined;
}

const cpus = (x: number) => x.toFixed(2);

/** How the tier scaled, one sentence per mode: each size's requests/s against the smallest's, and what the members used. */
export function membersVerdict(summary: CompareSummary[], cpuLimit?: Record<string, number>): string | undefined {
  const rows = summary.filter((s) => s.members !== undefined);
  if (!rows.length) return undefined;
  const modes = [...new Set(rows.map((s) => s.mode))];
  return modes
    .map((mode) => {
      const own = rows.filter((s) => s.mode === mode);
      const base = own.reduce((a, s) => (s.members! < a.members! ? s : a));
      const parts = own.map((s) => {
        const used = Object.entries(s.memberCpu ?? {}).filter(([, v]) => v >= 0.005);
        const limit = (m: string) => (cpuLimit?.[m] !== undefined ? ` of ${cpuLimit[m]}` : '');
        const cpu = used.length ? `, members' CPU ${used.map(([m, v]) => `${m} ${cpus(v)}${limit(m)}`).join(', ')}` : '';
        const x = s === base || s.scale === undefined ? '' : ` (${s.scale.toFixed(2)}× ${base.members})`;
        return `${s.members}: ${Math.round(s.requestsPerSec.median)} req/s${x}${cpu}`;
      });
      return `${mode} through a tier of ${parts.join('; ')}`;
    })
    .join('. ')
    .concat('.');
}
