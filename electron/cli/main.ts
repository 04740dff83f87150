// The `lblab` command. Each subcommand is a thin layer over the lab engine
// (its LabService); docs/cli.md describes every command. Output meant for scripts
// goes to stdout, progress and notes to stderr.
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMPARE_ROWS, FAULTS, GATEWAYS, HOOKS, MAX_DELAY_MS, MODES, NAME_RE, delayRefusal, isGateway, isHook, oneLine, type CompareRequest, type CompareRow, type Gateway, type Hook, type Mode } from '../api';
import type { LabService } from '../api/host';
import { reportAndExit, UsageError } from './fail';
import { formatStats, formatStatus } from './format';
import { formatJourney } from './journey-format';
import { addLessonCommands } from './lesson-commands';
import { progressPrinter } from './progress-line';

const labName = (v: string) => {
  if (!NAME_RE.test(v)) throw new InvalidArgumentError('a lab, node or service name is lowercase letters, digits and dashes');
  return v;
};
const modeArg = (v: string) => {
  if (!(MODES as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${MODES.join(', ')}`);
  return v as Mode;
};
const portArg = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0..65535');
  return n;
};
const familyArg = (v: string): 4 | 6 => {
  if (v !== '4' && v !== '6') throw new InvalidArgumentError('must be 4 or 6');
  return v === '6' ? 6 : 4;
};

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};
const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
};

// The engine (dockerode, topology, ...) is loaded only by commands that need
// it: usage errors and --help stay fast. It checks Docker itself.
let engine: LabService | undefined;
/** `lblab --engine NAME|URL`: the Docker engine every command drives */
let engineOption: string | undefined;
const lab = async () => (engine ??= (await import('../engine/lab-engine')).createLabEngine({ shell: 'web', engine: engineOption }));

export function buildProgram(): Command {
  const program = new Command('lblab')
    .description('a desktop laboratory for load balancing (CLI)')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .option('--engine <name|url>', 'the Docker engine: a Docker context name or unix:// | tcp:// | ssh:// address (default: DOCKER_HOST, DOCKER_CONTEXT, the current Docker context)');
  program.hook('preAction', async () => {
    engineOption = (program.opts() as { engine?: string }).engine;
    // commands that make their own engine (serve) drive the chosen one too
    if (engineOption !== undefined) (await import('../engine/lab-engine')).selectEngine(engineOption);
  });

  program
    .command('engines')
    .description('the Docker engines Docker knows (contexts, DOCKER_HOST): which is current, whether each answers, its kernel, CPUs, memory, eBPF support')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { describeEngines } = await import('../engine/lab-engine');
      const { engines, problems } = await describeEngines(engineOption);
      if (o.json) process.stdout.write(`${JSON.stringify({ engines, problems }, null, 2)}\n`);
      else process.stdout.write(`${(await import('./engines-format')).formatEngines(engines, problems)}\n`);
      // the exit code says whether the engine lblab would drive answers
      if (!engines.some((e) => e.current && e.answers)) process.exitCode = 1;
    });

  const images = program.command('images').description('lab images');
  images
    .command('build')
    .description('build/refresh the lab images (offline-capable)')
    .option('--force', 'rebuild even when up to date')
    .action(async (o: { force?: boolean }) => {
      const e = await lab();
      const bar = progressPrinter('images');
      let summary: string[] = [];
      try {
        await e.buildImages({ force: !!o.force, onProgress: (p) => bar.update({ step: `${p.image}: ${p.message}`, done: p.done, total: p.total }), onSummary: (l) => (summary = l) });
      } finally {
        bar.done();
        if (summary.length) process.stderr.write(`${summary.join('\n')}\n`);
      }
      process.stderr.write('lblab: images are up to date\n');
    });

  program
    .command('up')
    .description('deploy a lab file (idempotent); prints the lab name')
    .argument('<file>', 'a *.lab.yaml file')
    .action(async (file: string) => {
      const e = await lab();
      const doc = await e.loadLabFile(file);
      const bar = progressPrinter(doc.name);
      // Ctrl-C mid-deploy: the deploy stops and removes only what it created (a running lab it was
      // changing is put back); a second Ctrl-C leaves at once
      const interrupt = new AbortController();
      const onSigint = () => {
        bar.done();
        if (interrupt.signal.aborted) {
          process.stderr.write(`lblab: interrupted again: leaving now (\`lblab gc\` removes what is left of ${doc.name})\n`);
          process.exit(130);
        }
        process.stderr.write(`lblab: interrupted: undoing what this deploy did to ${doc.name} (Ctrl-C again to leave at once)\n`);
        interrupt.abort();
      };
      process.on('SIGINT', onSigint);
      const unsub = e.subscribe((ev) => {
        if (ev.type === 'progress' && ev.lab === doc.name && !interrupt.signal.aborted) bar.update(ev);
        // e.g. a node running a trusted foreign image with capabilities: one line, above the progress
        else if (ev.type === 'log' && ev.level === 'warn' && ev.message.startsWith(`lab ${doc.name}: `)) {
          bar.done();
          process.stderr.write(`lblab: warning: ${ev.message}\n`);
        }
      });
      try {
        const r = await e.up(doc, { signal: interrupt.signal }).catch((err) => {
          if (!interrupt.signal.aborted) throw err;
          bar.done();
          process.stderr.write(`lblab: ${oneLine(err)}\n`);
          process.exit(130);
        });
        bar.done();
        if (r.action === 'unchanged') process.stderr.write(`lblab: lab ${r.lab} is up to date: nothing changed\n`);
        else process.stderr.write(`lblab: lab ${r.lab} ${r.action} in ${(r.ms / 1000).toFixed(1)} s\n`);
        process.stdout.write(`${r.lab}\n`);
      } finally {
        bar.done();
        unsub();
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('status')
    .description('nodes, state, interfaces, addresses, services and modes of a lab')
    .argument('<lab>', 'lab name', labName)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const s = await (await lab()).status(name);
      if (s.state === 'absent') throw new Error(`no lab named ${name}`);
      process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    });

  program
    .command('exec')
    .description('run a command in a node; its exit code passes through')
    .argument('<lab>', 'lab name', labName)
    .argument('<node>', 'node name', labName)
    .argument('<cmd...>', 'command (after --)')
    .option('-i, --interactive', 'pass stdin to the command')
    .passThroughOptions()
    .action(async (name: string, node: string, cmd: string[], o: { interactive?: boolean }) => {
      if (cmd[0] === '--') cmd = cmd.slice(1); // passThroughOptions keeps the separator
      if (!cmd.length) throw new UsageError('exec: no command given (lblab exec LAB NODE -- CMD...)');
      const code = await (await lab()).exec(name, node, cmd, { stdout: process.stdout, stderr: process.stderr, stdin: o.interactive ? process.stdin : undefined });
      process.exitCode = code;
    });

  program
    .command('mode')
    .description('switch a service to another mode, live (no redeploy)')
    .argument('<lab>', 'lab name', labName)
    .argument('<service>', 'service name', labName)
    .argument('<mode>', MODES.join(' | '), modeArg)
    .action(async (name: string, service: string, mode: Mode) => {
      const bar = progressPrinter(`${name}/${service}`);
      const e = await lab();
      const unsub = e.subscribe((ev) => {
        if (ev.type === 'progress' && ev.lab === name) bar.update(ev);
      });
      try {
        const s = await e.setMode(name, service, mode);
        bar.done();
        process.stdout.write(`${s.name} ${s.mode} ${s.vip}:${s.port}\n`);
      } finally {
        bar.done();
        unsub();
      }
    });

  program
    .command('stats')
    .description('balancer counters per service and backend')
    .argument('<lab>', 'lab name', labName)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const s = await (await lab()).stats(name);
      process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStats(s)}\n`);
    });

  program
    .command('down')
    .description('remove one lab (containers, then networks)')
    .argument('<lab>', 'lab name', labName)
    .action(async (name: string) => {
      const r = await (await lab()).down(name);
      if (!r.containers.length && !r.networks.length) process.stderr.write(`lblab: no lab named ${name}: nothing to remove\n`);
      else process.stderr.write(`lblab: removed ${r.containers.length} containers and ${r.networks.length} networks of ${name}\n`);
      // a host that did not answer keeps its part: recorded, and retried by gc, down and up
      if (r.left) process.stderr.write(`lblab: ${r.left} (recorded: \`lblab gc\` removes it once the host answers)\n`);
    });

  program
    .command('gc')
    .description('remove what lblab left behind: objects no lab claims, half-made labs (images are kept)')
    .option('--all', 'remove every lblab container and network, running labs and deploys in progress included')
    // for test suites sharing a Docker engine with other users: only labs with this name prefix
    .addOption(new Option('--lab-prefix <prefix>').hideHelp())
    .action(async (o: { labPrefix?: string; all?: boolean }) => {
      const r = await (await lab()).gc({ onlyLab: o.labPrefix, all: !!o.all });
      for (const c of r.containers) process.stdout.write(`container ${c}\n`);
      for (const n of r.networks) process.stdout.write(`network ${n}\n`);
      for (const v of r.volumes) process.stdout.write(`volume ${v}\n`);
      for (const k of r.kept ?? []) process.stderr.write(`lblab: kept lab ${k.lab}: ${k.why}\n`);
      process.stderr.write(`lblab: removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes${o.all ? ' (--all: every lblab object)' : ''}\n`);
    });

  program
    .command('serve')
    .description('the app UI in a browser (web mode, loopback only)')
    .option('--port <port>', 'port (default 7470)', portArg)
    .action(async (o: { port?: number }) => {
      const server = await import('../server/index');
      await server.serveMain(o.port ?? server.DEFAULT_PORT);
      await new Promise(() => undefined); // serve until SIGINT/SIGTERM (serveMain exits)
    });

  program
    .command('journey')
    .description('send one request from a client to a service and follow it (and its response) hop by hop')
    .argument('<lab>', 'lab name', labName)
    .option('--service <service>', 'the service to follow (default: the first)', labName)
    .option('--from <client>', 'the client node that sends it (default: the first running client)', labName)
    .option('--family <family>', 'the VIP to send to: 4 (default) or 6, the service\'s IPv6 VIP (vip6)', familyArg)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { service?: string; from?: string; family?: 4 | 6; json?: boolean }) => {
      // Ctrl-C: let the journey stop its captures (a few seconds) before exiting; a second one exits now
      let interrupted = false;
      const onSigint = () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stderr.write('lblab: interrupted: stopping the captures (Ctrl-C again to leave them to their 60 s timeout)\n');
      };
      process.on('SIGINT', onSigint);
      let j;
      try {
        j = await (await lab()).journey(name, { service: o.service, from: o.from, ...(o.family && { family: o.family }) });
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (interrupted) process.exit(130);
      const tty = process.stdout.isTTY === true;
      const text = o.json ? JSON.stringify(j, null, 2) : formatJourney(j, { color: tty && !process.env.NO_COLOR, width: tty ? process.stdout.columns : undefined });
      process.stdout.write(`${text}\n`);
      // the hops seen are printed all the same; the exit code says the journey is incomplete
      if (j.error) {
        process.stderr.write(`lblab: ${j.error}\n`);
        process.exitCode = 1;
      }
    });
  addDoctorCommands(program);
  // ---- live captures
  program
    .command('capture')
    .description('capture packets on nodes\' interfaces: tcpdump-like lines, --json or --write FILE.pcap')
    .argument('<lab>', 'lab name', labName)
    .argument('<targets...>', 'NODE[:IFACE[,IFACE...]] (all of a node\'s interfaces when none is named)')
    .option('--filter <expr>', 'capture filter (tcpdump syntax), e.g. "tcp port 80"')
    .option('--count <n>', 'stop after N packets', positiveInt)
    .option('--duration <s>', 'stop after S seconds', positiveNumber)
    .option('--snaplen <bytes>', 'bytes captured per packet', positiveInt)
    .option('--json', 'one decoded packet per line (NDJSON, Wireshark field names)')
    .option('--write <file>', 'write a pcap file (no packet lines unless --json)')
    .action(async (name: string, targets: string[], o: import('./capture-run').CaptureCliOptions) => {
      const { runCapture } = await import('./capture-run');
      process.exitCode = await runCapture(await lab(), name, targets, o);
    });
  // ---- end live captures
  addCompareCommand(program);
  addLessonCommands(program, lab);

  return program;
}

// ---------------------------------------------------------------- lblab doctor, lblab break
const faultArg = (v: string) => {
  if (!(FAULTS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${FAULTS.join(', ')}`);
  return v as (typeof FAULTS)[number];
};

function addDoctorCommands(program: Command): void {
  program
    .command('doctor')
    .description('find what is wrong with a running lab, and why: checks of every node, then a few requests (exit 1 on an error)')
    .argument('<lab>', 'lab name', labName)
    .option('--service <service>', 'look at this service only', labName)
    .option('--json', 'print JSON')
    .option('--fix', 'apply the fixes lblab knows (the repair `up` does, the undo of faults made on purpose), then look again')
    .action(async (name: string, o: { service?: string; json?: boolean; fix?: boolean }) => {
      const r = await (await lab()).doctor(name, { ...(o.service && { service: o.service }), ...(o.fix && { fix: true }) });
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${(await import('./doctor-format')).formatDoctor(r)}\n`);
      if (!r.healthy) process.exitCode = 1;
    });

  program
    .command('break')
    .description(`make a fault on purpose on a node (${FAULTS.join(', ')}), recorded with the lab; --undo puts it back`)
    .argument('<lab>', 'lab name', labName)
    .argument('[fault]', FAULTS.join(' | '), faultArg)
    .argument('[node]', 'node name', labName)
    .option('--undo', 'undo the fault named, or every recorded one')
    .action(async (name: string, fault: (typeof FAULTS)[number] | undefined, node: string | undefined, o: { undo?: boolean }) => {
      const e = await lab();
      if (o.undo) {
        if (fault && !node) throw new UsageError('break --undo: name the node too (lblab break LAB --undo [FAULT NODE])');
        const undone = await e.undoBreak(name, fault, node);
        process.stderr.write(`lblab: ${undone.length ? `undone: ${undone.map((b) => `${b.fault} on ${b.node}`).join(', ')}` : 'nothing was broken on purpose'}\n`);
        return;
      }
      if (!fault || !node) throw new UsageError('break: name a fault and a node (lblab break LAB FAULT NODE)');
      const b = await e.breakLab(name, fault, node);
      process.stderr.write(`lblab: broken on purpose: ${b.fault} on ${b.node} (see \`lblab doctor ${name}\`; undo: \`lblab break ${name} --undo\`)\n`);
    });
}

// ---------------------------------------------------------------- lblab compare
const numberArg = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};
const rowsArg = (v: string) => {
  const rows = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = rows.find((r) => !(COMPARE_ROWS as readonly string[]).includes(r));
  if (bad !== undefined || !rows.length) throw new InvalidArgumentError(`${bad ? `unknown mode ${bad}: ` : ''}a comma-separated list of ${COMPARE_ROWS.join(', ')}`);
  return rows as CompareRow[];
};

const gatewaysArg = (v: string) => {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.find((g) => !isGateway(g));
  if (bad !== undefined || !list.length) throw new InvalidArgumentError(`${bad ? `unknown gateway ${bad}: ` : ''}a comma-separated list of ${GATEWAYS.join(', ')}`);
  return list as Gateway[];
};
const hooksArg = (v: string) => {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.find((h) => !isHook(h));
  if (bad !== undefined || !list.length) throw new InvalidArgumentError(`${bad ? `unknown hook ${bad}: ` : ''}a comma-separated list of ${HOOKS.join(', ')}`);
  return list as Hook[];
};
const membersArg = (v: string) => {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('a comma-separated list of tier sizes, e.g. 1,2,3');
  return list;
};
const objectArg = (v: string) => {
  const why = delayRefusal(v);
  if (why) throw new InvalidArgumentError(why);
  return v;
};

interface CompareOpts { service?: string; family?: 4 | 6; modes?: CompareRow[]; gateways?: Gateway[]; hooks?: Hook[]; members?: number[]; keepAlive?: boolean; workers?: number; object?: string; connections?: number; duration?: number; warmup?: number; repeat?: number; json?: boolean; csv?: string }

function addCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('the same load through several modes of a running lab, in rotating rounds (the lab is put back after)')
    .argument('<lab>', 'lab name', labName)
    .option('--service <service>', 'the service (default: the lab\'s only one)', labName)
    .option('--modes <list>', `comma-separated: ${COMPARE_ROWS.join(',')} (default: every balancer mode the topology runs)`, rowsArg)
    .option('--gateways <list>', `comma-separated l7 gateways to compare instead of modes: ${GATEWAYS.join(',')}`, gatewaysArg)
    .option('--hooks <list>', `comma-separated: run each eBPF mode with the balancer's core at each hook, ${HOOKS.join(',')}`, hooksArg)
    .option('--members <list>', "a tier of balancers: run through its first N members for each N, e.g. 1,2,3 (in the service's mode, or --modes)", membersArg)
    .option('--family <family>', "4 (default) or 6: the load goes to the service's IPv6 VIP (vip6)", familyArg)
    .option('--no-keep-alive', 'a new connection for every request (default: keep-alive)')
    .option('--workers <n>', "Apache's worker limit while compared (threads; processes for apache-prefork)", numberArg)
    .option('--object <object>', `1k | 100k | 1m | 10m, a /path on the servers, or /delay/MS (0–${MAX_DELAY_MS} ms) (default 1m)`, objectArg)
    .option('--connections <n>', 'connections in all, split across the clients (default 12)', numberArg)
    .option('--duration <s>', 'seconds measured per run (default 10)', numberArg)
    .option('--warmup <s>', 'seconds of load before each run, not measured (default 2)', numberArg)
    .option('--repeat <n>', 'rounds: every mode runs once per round (default 3)', numberArg)
    .option('--json', 'print the comparison as JSON')
    .option('--csv <file>', 'also write one CSV row per run to FILE')
    .action(async (name: string, o: CompareOpts) => {
      const { formatComparison, progressStep } = await import('./compare-format');
      const req = Object.fromEntries(
        Object.entries({
          lab: name, service: o.service, ...(o.family === 6 && { family: 6 }), modes: o.modes, gateways: o.gateways, hooks: o.hooks, members: o.members, keepAlive: o.keepAlive === false ? false : undefined, workers: o.workers,
          object: o.object, connections: o.connections, duration: o.duration, warmup: o.warmup, repeat: o.repeat,
        }).filter(([, v]) => v !== undefined),
      ) as unknown as CompareRequest;
      const e = await lab();
      const bar = progressPrinter(`${name} compare`);
      const tty = !!process.stderr.isTTY;
      let id: string | undefined;
      let interrupted = 0;
      const unsub = e.subscribe((ev) => {
        if (ev.type === 'compare-progress' && (!id || ev.id === id)) bar.update({ step: progressStep(ev, req.repeat ?? 3, tty), done: ev.done, total: ev.total });
      });
      const cancel = () => {
        if (id) void e.cancelCompare(id).catch(() => undefined);
      };
      // Ctrl-C: cancel (the lab is put back), then exit 130; a second one leaves at once
      const onSigint = () => {
        bar.done();
        if (++interrupted > 1) {
          process.stderr.write('lblab: interrupted again: leaving now; the lab may still be in a compared mode\n');
          process.exit(130);
        }
        process.stderr.write('lblab: cancelling the comparison: putting the lab back\n');
        cancel();
      };
      process.on('SIGINT', onSigint);
      try {
        id = (await e.startCompare(req)).id;
        if (interrupted) cancel();
        const c = await e.compareDone(id);
        bar.done();
        if (o.csv) fs.writeFileSync(o.csv, await e.comparisonCsv(id));
        process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${formatComparison(c)}\n`);
        if (interrupted) process.exitCode = 130;
        else if (!c.complete || c.error) throw new Error(`comparison ${c.id}: ${c.error ?? 'incomplete'}`);
      } finally {
        bar.done();
        unsub();
        process.off('SIGINT', onSigint);
      }
    });
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const program = buildProgram();
  if (!argv.length) {
    process.stderr.write(program.helpInformation());
    process.exit(2);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') process.exit(0);
      reportAndExit(new UsageError(`${e.message.replace(/^error:\s*/, '')} (see lblab --help)`));
    }
    reportAndExit(e);
  } finally {
    await engine?.close().catch(() => undefined);
  }
}
