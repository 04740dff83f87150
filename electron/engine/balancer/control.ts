// Engine side of the balancer: gather runtime facts with Docker, hand the
// agent its config, read its stats and health. Everything goes through the
// `lbagent` CLI inside the balancer container (execIn), so the engine never
// needs to know how the agent stores state.
import type { ServiceStats } from '../../api';
import { docker } from '../docker/client';
import { execIn } from '../docker/exec';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { agentHealthSchema, agentStatsSchema, type AgentHealth } from '../../../lab-images/balancer/agent/report';
import { buildAgentConfig, macKey, type IpLink, type RuntimeFacts } from './agent-config';
import { toServiceStats } from './stats';

function balancerOf(plan: LabPlan, name: string): PlannedNode {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`lab ${plan.name}: no node named ${name}`);
  if (n.kind !== 'balancer') throw new Error(`lab ${plan.name}: node ${name} is a ${n.kind}, not a balancer`);
  return n;
}

/** Balancers that carry at least one service. */
export function balancersWithServices(plan: LabPlan): PlannedNode[] {
  const names = new Set(plan.services.map((s) => s.balancer));
  return plan.nodes.filter((n) => names.has(n.name));
}

async function gatherFacts(plan: LabPlan, lb: PlannedNode): Promise<RuntimeFacts> {
  const r = await execIn(lb.container, ['ip', '-j', 'addr']);
  if (r.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`ip -j addr\` failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  let links: IpLink[];
  try {
    links = JSON.parse(r.stdout) as IpLink[];
  } catch {
    throw new Error(`balancer ${lb.name}: \`ip -j addr\` printed no JSON`);
  }
  // MACs of every node sharing a network with the balancer (backends, and routers toward remote backends)
  const lbNets = new Set(lb.interfaces.map((i) => i.network));
  const macs: Record<string, string> = {};
  const dockerName = new Map(plan.networks.map((n) => [n.name, n.docker]));
  await Promise.all(
    plan.nodes
      .filter((n) => n.name !== lb.name && n.interfaces.some((i) => lbNets.has(i.network)))
      .map(async (n) => {
        const info = await docker()
          .getContainer(n.container)
          .inspect()
          .catch(() => undefined);
        if (!info) return; // a missing backend is reported by buildAgentConfig when it matters
        for (const i of n.interfaces) {
          const mac = info.NetworkSettings.Networks[dockerName.get(i.network) ?? '']?.MacAddress;
          if (mac) macs[macKey(n.name, i.network)] = mac;
        }
      }),
  );
  return { links, macs };
}

/** Build the config for every service on `balancerNode` and apply it; throws the agent's first complaint as one line. */
export async function configureBalancer(plan: LabPlan, balancerNode: string): Promise<void> {
  const lb = balancerOf(plan, balancerNode);
  const cfg = buildAgentConfig(plan, balancerNode, await gatherFacts(plan, lb));
  const r = await execIn(lb.container, ['lbagent', 'apply'], { stdin: JSON.stringify(cfg), timeoutMs: 180_000 }); // first apply loads BPF and writes a 65537-slot table per service
  if (r.exitCode !== 0) {
    const lines = (r.stderr || r.stdout).trim().split('\n').filter(Boolean);
    const more = lines.length > 1 ? ` (+${lines.length - 1} more)` : '';
    throw new Error(`balancer ${balancerNode}: agent rejected the config: ${(lines[0] ?? `exit ${r.exitCode}`).replace(/^lbagent: /, '')}${more}`);
  }
}

async function agentJson(lb: PlannedNode, cmd: 'stats' | 'health'): Promise<unknown> {
  const r = await execIn(lb.container, ['lbagent', cmd], { timeoutMs: 60_000 }); // Node start-up in a busy container can take seconds
  if (r.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` failed: ${(r.stderr || r.stdout).trim().split('\n')[0]?.replace(/^lbagent: /, '')}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`balancer ${lb.name}: \`lbagent ${cmd}\` printed no JSON`);
  }
}

/** Live stats of every service in the lab, one entry per service. */
export async function readStats(plan: LabPlan): Promise<ServiceStats[]> {
  const wanted = new Set(plan.services.map((s) => s.name));
  const per = await Promise.all(
    balancersWithServices(plan).map(async (lb) => {
      const st = agentStatsSchema.safeParse(await agentJson(lb, 'stats'));
      if (!st.success) throw new Error(`balancer ${lb.name}: unexpected stats from the agent: ${st.error.issues[0]?.path.join('.')} ${st.error.issues[0]?.message}`);
      return toServiceStats(plan.name, st.data, wanted);
    }),
  );
  return per.flat();
}

export async function readHealth(plan: LabPlan, balancerNode: string): Promise<AgentHealth> {
  const h = agentHealthSchema.safeParse(await agentJson(balancerOf(plan, balancerNode), 'health'));
  if (!h.success) throw new Error(`balancer ${balancerNode}: unexpected health report from the agent`);
  return h.data;
}

/** Resolve once every backend of every service has passed a check and is up; else throw naming the laggards. */
export async function waitHealthy(plan: LabPlan, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  for (;;) {
    pending = [];
    for (const lb of balancersWithServices(plan)) {
      const h = await readHealth(plan, lb.name).catch((e: Error) => ({ error: e.message }));
      if ('error' in h) {
        pending.push(h.error);
        continue;
      }
      for (const s of plan.services.filter((x) => x.balancer === lb.name)) {
        const nodes = new Set([...s.backends, ...s.routes.flatMap((r) => r.backends)].map((b) => b.node));
        for (const node of nodes) {
          const b = h.backends.find((x) => x.service === s.name && x.node === node);
          if (!b || b.checks === 0 || !b.healthy) pending.push(`${s.name}/${node}${b?.lastError ? ` (${b.lastError})` : b ? '' : ' (not configured)'}`);
        }
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`lab ${plan.name}: backends not healthy after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
