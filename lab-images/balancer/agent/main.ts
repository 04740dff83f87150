// lbagent: the balancer container's control plane.
//   lbagent daemon          long-running: applies configs, health-checks, keeps data plane / HAProxy in sync
//   lbagent apply [--check] config JSON on stdin → validated → handed to the daemon
//   lbagent stats           per-service, per-backend counters as JSON
//   lbagent health          health-check state as JSON
//   lbagent prog-stats on|off  the eBPF program's run-time statistics on for a comparison, or off
// Bundled by esbuild for Debian's Node 18: Node built-ins and zod only.
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from './agent';
import { parseAgentConfig, type AgentConfig } from '../contract/config';
import { AGENT_RUN_DIR, PROG_STATS_MAX_SECONDS, PROG_STATS_PID_FILE } from '../contract/report';
import type { DataplaneLoader } from './dp-contract';
import { gatewayProcesses } from './gateways';
import { HaproxyProcess } from './haproxy-proc';
import { requestWhenUp, serve, type Request } from './ipc';
import { ProgStatsHolder } from './prog-stats';

const RUN_DIR = process.env.LBAGENT_RUN_DIR ?? AGENT_RUN_DIR;
const SOCKET = path.join(RUN_DIR, 'agent.sock');
const CONFIG = path.join(RUN_DIR, 'config.json');
/** The pid of the process holding the program statistics on, while it does (a comparison's sampler reads its fdinfo). */
const PROG_STATS_PID = path.join(RUN_DIR, PROG_STATS_PID_FILE);

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
function fail(lines: string[], code = 1): never {
  for (const l of lines) process.stderr.write(`lbagent: ${l}\n`);
  process.exit(code);
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

// Imported lazily: a proxy-only balancer (or a build without the BPF objects) never touches the loader.
const loadDataplane: DataplaneLoader = async (interfaces, sizes, hook) => (await import('./dp-load')).loadDataplane(interfaces, sizes, hook);
const discardPreparedDataplane = async () => (await import('./dp-load')).discardPrepared();

class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('; '));
  }
}

async function daemon(): Promise<void> {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  // HAProxy may start before the engine has put the VIP on the interface
  try {
    fs.writeFileSync('/proc/sys/net/ipv4/ip_nonlocal_bind', '1');
  } catch {
    /* read-only /proc/sys: binds then need the VIP present */
  }
  const agent = new Agent({
    loadDataplane,
    discardPreparedDataplane,
    haproxy: new HaproxyProcess(RUN_DIR),
    gateways: gatewayProcesses(RUN_DIR),
    persist: async (cfg) => writeAtomic(CONFIG, JSON.stringify(cfg, null, 2)),
    log,
    progStats: new ProgStatsHolder(PROG_STATS_PID),
  });
  const handle = async (req: Request): Promise<unknown> => {
    if (req.op === 'stats') return agent.stats();
    if (req.op === 'health') return agent.healthReport();
    if (req.op === 'prog-stats') return agent.progStats(req.on, req.seconds);
    const parsed = parseAgentConfig(JSON.stringify(req.config));
    if (!parsed.ok) throw new ConfigError(parsed.errors);
    await agent.apply(parsed.config);
    log(`applied config: ${parsed.config.services.map((s) => `${s.name}=${s.mode}`).join(' ') || 'no services'}`);
    return { services: parsed.config.services.length };
  };
  // A restarted daemon picks up where it was.
  const saved = fs.existsSync(CONFIG);
  // A fresh one whose lab serves an eBPF mode (the engine says so at create) loads the
  // data plane while the lab is being plumbed: the first config then only attaches it
  // (`xdp`: the balancer's hook is XDP, its object is the one to load).
  const preload = process.env.LBAGENT_PRELOAD;
  if (!saved && (preload === '1' || preload === 'xdp')) {
    const t = Date.now();
    void import('./dp-load')
      .then((m) => m.prepareDataplane(preload === 'xdp' ? 'xdp' : 'tc'))
      .then((dp) => log(dp ? `dataplane: loaded ahead of the config (${Date.now() - t} ms)` : 'dataplane: not loaded ahead (the config will load it)'));
  }
  if (saved) {
    const parsed = parseAgentConfig(fs.readFileSync(CONFIG, 'utf8'));
    if (parsed.ok) await agent.apply(parsed.config).catch((e: Error) => log(`saved config not applied: ${e.message}`));
    else log(`saved config ignored: ${parsed.errors[0]}`);
  }
  const server = serve(SOCKET, handle);
  log(`lbagent daemon listening on ${SOCKET}`);
  const stop = async (sig: string) => {
    log(`${sig}: shutting down`);
    server.close();
    await agent.shutdown().catch((e: Error) => log(`shutdown: ${e.message}`));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A config may arrive while the daemon is still booting (fresh container): wait for it that long. */
const APPLY_WAIT_MS = Number(process.env.LBAGENT_WAIT_MS ?? 30_000);

async function ask(req: Request): Promise<unknown> {
  const res = await requestWhenUp(SOCKET, req, req.op === 'apply' ? APPLY_WAIT_MS : 0).catch((e: Error) => fail([e.message]));
  if (!res.ok) fail(res.errors);
  return res.result;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'daemon':
      return daemon();
    case 'apply': {
      const parsed = parseAgentConfig(await readStdin());
      if (!parsed.ok) fail(parsed.errors, 2);
      const cfg: AgentConfig = parsed.config;
      if (rest.includes('--check')) {
        process.stdout.write(`config ok: ${cfg.services.length} services\n`);
        return;
      }
      await ask({ op: 'apply', config: cfg });
      process.stdout.write(`applied: ${cfg.services.map((s) => `${s.name} ${s.mode}`).join(', ') || 'no services'}\n`);
      return;
    }
    case 'gateway': {
      // switch one l7 service's gateway live (a comparison across gateways): the running config, that one key changed
      const [service, gateway, ...opts] = rest;
      if (!service || !gateway) fail(['usage: lbagent gateway SERVICE GATEWAY [--workers N]'], 2);
      const saved = fs.existsSync(CONFIG) ? parseAgentConfig(fs.readFileSync(CONFIG, 'utf8')) : undefined;
      if (!saved?.ok) fail(['no config applied yet'], 2);
      const cfg = saved.config;
      const svc = cfg.services.find((s) => s.name === service);
      if (!svc) fail([`no service ${service} (services: ${cfg.services.map((s) => s.name).join(', ') || 'none'})`], 2);
      const w = opts.indexOf('--workers');
      // a worker limit belongs to one gateway: the switch drops it unless given again
      const workers = w >= 0 ? Number(opts[w + 1]) : undefined;
      const next = parseAgentConfig(JSON.stringify({ ...cfg, services: cfg.services.map((s) => (s === svc ? { ...s, gateway, workers } : s)) }));
      if (!next.ok) fail(next.errors, 2);
      await ask({ op: 'apply', config: next.config });
      process.stdout.write(`service ${service} now served by ${gateway}${workers ? ` (${workers} workers)` : ''}\n`);
      return;
    }
    case 'hook': {
      // run the eBPF core at another hook live (a comparison across hooks): the running config, that one key changed
      const [hook] = rest;
      if (!hook) fail(['usage: lbagent hook tc|xdp'], 2);
      const saved = fs.existsSync(CONFIG) ? parseAgentConfig(fs.readFileSync(CONFIG, 'utf8')) : undefined;
      if (!saved?.ok) fail(['no config applied yet'], 2);
      const next = parseAgentConfig(JSON.stringify({ ...saved.config, hook }));
      if (!next.ok) fail(next.errors, 2);
      await ask({ op: 'apply', config: next.config });
      process.stdout.write(`eBPF core at ${next.config.hook}\n`);
      return;
    }
    case 'prog-stats': {
      // the eBPF program's run-time statistics on for a comparison (at most SECONDS), following mode and hook
      // switches; or off
      const [what, secs] = rest;
      if (what !== 'on' && what !== 'off') fail(['usage: lbagent prog-stats on [SECONDS] | off'], 2);
      const seconds = secs === undefined ? undefined : Number(secs);
      if (seconds !== undefined && !(seconds > 0 && seconds <= PROG_STATS_MAX_SECONDS)) fail([`prog-stats: SECONDS must be 1..${PROG_STATS_MAX_SECONDS}, not ${secs}`], 2);
      const res = (await ask({ op: 'prog-stats', on: what === 'on', ...(seconds !== undefined && { seconds }) })) as { programs: string[] };
      const held = res.programs.length ? res.programs.join(' ') : 'none attached now (held once an eBPF mode attaches one)';
      process.stdout.write(what === 'on' ? `program statistics on: ${held}\n` : 'program statistics off\n');
      return;
    }
    case 'stats':
    case 'health':
      process.stdout.write(JSON.stringify(await ask({ op: cmd }), null, rest.includes('--pretty') ? 2 : undefined) + '\n');
      return;
    default:
      fail([`unknown command ${cmd ?? '(none)'}; use: daemon | apply [--check] | gateway SERVICE GATEWAY | hook tc|xdp | prog-stats on|off | stats | health`], 2);
  }
}

main(process.argv.slice(2)).catch((e: Error) => fail([e.message]));
