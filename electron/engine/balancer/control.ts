// Engine side of the balancer: gather runtime facts with Docker, hand the
// agent its config, read its stats. Everything goes through execs
// in the balancer container (the `lbagent` CLI; for a config, the agent's own
// relay to its socket, see contract/relay.ts), so the engine never needs
// to know how the agent stores state.
import type { ServiceStats } from '../../api';
import { containerRef } from '../docker/placement';
import { execIn, type ExecResult } from '../docker/exec';
import { membersOf, type LabPlan, type PlannedNode } from '../topology/plan-types';
import { askAnswer, askRelayCommand, type AgentQuery } from './ask-relay';
import { buildAgentConfig, macKey, type IpLink, type RuntimeFacts } from './agent-config';
import { agentStatsSchema, applyRelayCommand, RELAY_MARKER } from './contract';
import { toServiceStats } from './stats';

function balancerOf(plan: LabPlan, name: string): PlannedNode {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`lab ${plan.name}: no node named ${name}`);
  if (n.kind !== 'balancer') throw new Error(`lab ${plan.name}: node ${name} is a ${n.kind}, not a balancer`);
  return n;
}

/** Balancers that carry at least one service. */
export function balancersWithServices(plan: LabPlan): PlannedNode[] {
  const names = new Set(plan.services.flatMap(membersOf));
  return plan.nodes.filter((n) => names.has(n.name));
}

/** The balancer's interfaces as `ip -j addr` reports them. */
async function balancerLinks(lb: PlannedNode): Promise<IpLink[]> {
  const r = await execIn(lb.container, ['ip', '-j', 'addr']);
  if (r.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`ip -j addr\` failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  try {
    return JSON.parse(r.stdout) as IpLink[];
  } catch {
    throw new Error(`balancer ${lb.name}: \`ip -j addr\` printed no JSON`);
  }
}

/** MACs of every node sharing a network with the balancer (backends, and routers toward remote backends). */
async function neighbourMacs(plan: LabPlan, lb: PlannedNode): Promise<Record<string, string>> {
  const lbNets = new Set(lb.interfaces.map((i) => i.network));
  const macs: Record<string, string> = {};
  const dockerName = new Map(plan.networks.map((n) => [n.name, n.docker]));
  await Promise.all(
    plan.nodes
      .filter((n) => n.name !== lb.name && n.interfaces.some((i) => lbNets.has(i.network)))
      .map(async (n) => {
        const info = await containerRef(n.container)
          .inspect()
          .catch(() => undefined);
        if (!info) return; // a missing backend is reported by buildAgentConfig when it matters
        for (const i of n.interfaces) {
          const mac = info.NetworkSettings.Networks[dockerName.get(i.network) ?? '']?.MacAddress;
          if (mac) macs[macKey(n.name, i.network)] = mac;
        }
      }),
  );
  return macs;
}

export interface ConfigureOptions {
  /**
   * The config is handed over only once this resolves (a deploy: when the
   * nodes the balancer talks to are plumbed). Until then the balancer's own
   * facts are gathered and the hand-over is under way. A rejection aborts with
   * that error.
   */
  ready?: Promise<unknown>;
}

const lastLine = (r: ExecResult) => (r.stderr || r.stdout).trim().split('\n').filter(Boolean).pop() ?? `exit ${r.exitCode}`;

function rejected(balancerNode: string, errors: string[]): Error {
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return new Error(`balancer ${balancerNode}: agent rejected the config: ${(errors[0] ?? 'no reason given').replace(/^lbagent: /, '')}${more}`);
}

/**
 * Build the config for every service on `balancerNode` and apply it; throws
 * the agent's first complaint as one line. One exec does it all: the relay
 * (contract/relay.ts) prints the balancer's interfaces, the config built
 * from them goes to its stdin once `ready`, and it prints the daemon's answer.
 */
export async function configureBalancer(plan: LabPlan, balancerNode: string, opts: ConfigureOptions = {}): Promise<void> {
  const lb = balancerOf(plan, balancerNode);
  let out = '';
  let settleLinks: { ok: (l: IpLink[]) => void; fail: (e: Error) => void } | undefined;
  const links = new Promise<IpLink[]>((ok, fail) => (settleLinks = { ok, fail }));
  const onStdout = (b: Buffer) => {
    if (!settleLinks) return;
    out += b.toString();
    const at = out.indexOf(`\n${RELAY_MARKER}\n`);
    if (at < 0) return;
    const s = settleLinks;
    settleLinks = undefined;
    try {
      s.ok(JSON.parse(out.slice(0, at)) as IpLink[]);
    } catch {
      s.fail(new Error(`balancer ${lb.name}: \`ip -j addr\` printed no JSON`));
    }
  };
  const config = (async () => {
    await opts.ready;
    const facts: RuntimeFacts = { links: await links, macs: await neighbourMacs(plan, lb) };
    return JSON.stringify(buildAgentConfig(plan, balancerNode, facts));
  })();
  config.catch(() => undefined); // reported below, after the exec settled
  // the first apply attaches BPF and writes a 65537-slot table per service
  const r = await execIn(lb.container, applyRelayCommand(), { stdin: config, onStdout, timeoutMs: 180_000 }).catch(async (e: unknown) => {
    settleLinks?.fail(e as Error);
    await config; // an error of the config (or of what it waited for) explains more than the exec's
    throw e;
  });
  if (r.exitCode === 126 || r.exitCode === 127) {
    // no perl in this image: the agent's own CLI does the same, one Node boot slower
    settleLinks?.fail(new Error('no relay'));
    return applyWithCli(plan, lb, opts.ready);
  }
  settleLinks?.fail(new Error(`balancer ${lb.name}: \`ip -j addr\` failed: ${lastLine(r)}`));
  await config;
  if (r.exitCode !== 0) throw rejected(balancerNode, [lastLine(r)]);
  const answer = r.stdout.slice(r.stdout.indexOf(`\n${RELAY_MARKER}\n`) + RELAY_MARKER.length + 2).trim();
  let res: { ok?: boolean; errors?: string[] };
  try {
    res = JSON.parse(answer) as typeof res;
  } catch {
    throw rejected(balancerNode, [answer ? `malformed answer from the daemon: ${answer.slice(0, 200)}` : 'no answer from the daemon']);
  }
  if (res.ok !== true) throw rejected(balancerNode, Array.isArray(res.errors) ? res.errors : []);
}

/** The hand-over through `lbagent apply` (for a balancer image without perl). */
async function applyWithCli(plan: LabPlan, lb: PlannedNode, ready?: Promise<unknown>): Promise<void> {
  await ready;
  const links = await balancerLinks(lb);
  const cfg = buildAgentConfig(plan, lb.name, { links, macs: await neighbourMacs(plan, lb) });
  const r = await execIn(lb.container, ['lbagent', 'apply'], { stdin: JSON.stringify(cfg), timeoutMs: 180_000 });
  if (r.exitCode !== 0) throw rejected(lb.name, (r.stderr || r.stdout).trim().split('\n').filter(Boolean));
}

/** Why a command failed, never empty: its first line of error output, else what its exit code says. */
export function failure(r: ExecResult): string {
  const line = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).find(Boolean);
  if (line) return line.replace(/^lbagent: /, '');
  // 137 = SIGKILL, 143 = SIGTERM: the container is being stopped (a lab torn down under the call)
  if (r.exitCode === 137 || r.exitCode === 143) return `killed (exit ${r.exitCode}) without output: the balancer container is stopping`;
  return `exit ${r.exitCode} without any output`;
}

async function agentJson(lb: PlannedNode, cmd: AgentQuery): Promise<unknown> {
  // the daemon asked straight (ask-relay.ts); the agent's CLI only where the image has no perl
  const asked = await execIn(lb.container, askRelayCommand(cmd), { timeoutMs: 60_000 });
  if (asked.exitCode !== 126 && asked.exitCode !== 127) {
    if (asked.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` failed: ${failure(asked)}`);
    try {
      return askAnswer(asked.stdout);
    } catch (e) {
      throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` failed: ${(e as Error).message}`);
    }
  }
  const r = await execIn(lb.container, ['lbagent', cmd], { timeoutMs: 60_000 }); // Node start-up in a busy container can take seconds
  if (r.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` failed: ${failure(r)}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` printed no JSON`);
  }
}

/** Live stats of every service in the lab, one entry per service. */
export async function readStats(plan: LabPlan): Promise<ServiceStats[]> {
  const wanted = new Set(plan.services.map((s) => s.name));
  const tiers = new Set(plan.services.filter((s) => s.members).map((s) => s.name));
  const per = await Promise.all(
    balancersWithServices(plan).map(async (lb) => {
      const st = agentStatsSchema.safeParse(await agentJson(lb, 'stats'));
      if (!st.success) throw new Error(`balancer ${lb.name}: unexpected stats from the agent: ${st.error.issues[0]?.path.join('.')} ${st.error.issues[0]?.message}`);
      return toServiceStats(plan.name, st.data, wanted, tiers);
    }),
  );
  return per.flat();
}
