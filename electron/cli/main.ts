// The `lblab` command. Each subcommand is a thin layer over the lab engine;
// the CLI contract is in DESIGN.md. Output meant for scripts goes to stdout,
// progress and notes to stderr.
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMPARE_ROWS, MODES, NAME_RE, type CompareRequest, type CompareRow, type Mode } from '../api';
import type { LabEngine } from '../engine/lab-engine';
import { reportAndExit, UsageError } from './fail';
import { formatStats, formatStatus } from './format';
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

// The engine (dockerode, topology, ...) is loaded only by commands that need
// it: usage errors and --help stay fast.
let engine: LabEngine | undefined;
const lab = async () => (engine ??= (await import('../engine/lab-engine')).createLabEngine({ shell: 'web' }));
const down = async (name: string) => (await import('../engine/deploy/down')).down(name);

/** Commands that talk to Docker check it first, so "no engine" is the one line users see. */
async function needDocker(): Promise<void> {
  const d = await (await import('../engine/docker/client')).probeDocker();
  if (!d.available) throw new Error(d.message);
}

async function loadFile(file: string) {
  const topology = await import('../engine/topology/index');
  return topology.loadLabFile(file);
}

export function buildProgram(): Command {
  const program = new Command('lblab')
    .description('a desktop laboratory for load balancing (CLI)')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

  const images = program.command('images').description('lab images');
  images
    .command('build')
    .description('build/refresh the lab images (offline-capable)')
    .option('--force', 'rebuild even when up to date')
    .action(async (o: { force?: boolean }) => {
      await needDocker();
      const { buildImages } = await import('../engine/images/index');
      const bar = progressPrinter('images');
      let summary: string[] = [];
      try {
        await buildImages({ force: !!o.force, onProgress: (p) => bar.update({ step: `${p.image}: ${p.message}`, done: p.done, total: p.total }), onSummary: (l) => (summary = l) });
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
      const doc = await loadFile(file);
      await needDocker();
      const bar = progressPrinter(doc.name);
      const engineUp = await lab();
      // Ctrl-C mid-deploy: remove what was created so far
      const onSigint = () => {
        bar.done();
        process.stderr.write(`lblab: interrupted: removing the partial lab ${doc.name}\n`);
        void down(doc.name)
          .then(() => new Promise((r) => setTimeout(r, 500)))
          .then(() => down(doc.name))
          .finally(() => process.exit(130));
      };
      process.once('SIGINT', onSigint);
      const unsub = engineUp.subscribe((e) => {
        if (e.type === 'progress' && e.lab === doc.name) bar.update(e);
      });
      try {
        const r = await engineUp.deployDetailed(doc);
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
      await needDocker();
      const { execNode } = await import('../engine/deploy/exec');
      const code = await execNode(name, node, cmd, { stdout: process.stdout, stderr: process.stderr, stdin: o.interactive ? process.stdin : undefined });
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
      await needDocker();
      const r = await down(name);
      if (!r.containers.length && !r.networks.length) process.stderr.write(`lblab: no lab named ${name}: nothing to remove\n`);
      else process.stderr.write(`lblab: removed ${r.containers.length} containers and ${r.networks.length} networks of ${name}\n`);
    });

  program
    .command('gc')
    .description('remove everything lblab left behind (containers, networks; images are kept)')
    // for test suites sharing a Docker engine with other users: only labs with this name prefix
    .addOption(new Option('--lab-prefix <prefix>').hideHelp())
    .action(async (o: { labPrefix?: string }) => {
      const r = await (await lab()).gc({ onlyLab: o.labPrefix });
      for (const c of r.containers) process.stdout.write(`container ${c}\n`);
      for (const n of r.networks) process.stdout.write(`network ${n}\n`);
      for (const v of r.volumes) process.stdout.write(`volume ${v}\n`);
      process.stderr.write(`lblab: removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes\n`);
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

  // Reserved for the experiment commands (DESIGN CLI contract): capture, journey.
  // They register here as `program.command('capture')...` when their engine parts land.
  addCompareCommand(program);

  return program;
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

interface CompareOpts { service?: string; modes?: CompareRow[]; object?: string; connections?: number; duration?: number; warmup?: number; repeat?: number; json?: boolean; csv?: string }

function addCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('the same load through several modes of a running lab, in rotating rounds (the lab is put back after)')
    .argument('<lab>', 'lab name', labName)
    .option('--service <service>', 'the service (default: the lab\'s only one)', labName)
    .option('--modes <list>', `comma-separated: ${COMPARE_ROWS.join(',')} (default: every balancer mode the topology runs)`, rowsArg)
    .option('--object <object>', '1k | 100k | 1m | 10m, or a /path on the servers (default 1m)')
    .option('--connections <n>', 'connections in all, split across the clients (default 12)', numberArg)
    .option('--duration <s>', 'seconds measured per run (default 10)', numberArg)
    .option('--warmup <s>', 'seconds of load before each run, not measured (default 2)', numberArg)
    .option('--repeat <n>', 'rounds: every mode runs once per round (default 3)', numberArg)
    .option('--json', 'print the comparison as JSON')
    .option('--csv <file>', 'also write one CSV row per run to FILE')
    .action(async (name: string, o: CompareOpts) => {
      const { formatComparison, progressStep } = await import('./compare-format');
      const req = Object.fromEntries(
        Object.entries({ lab: name, service: o.service, modes: o.modes, object: o.object, connections: o.connections, duration: o.duration, warmup: o.warmup, repeat: o.repeat }).filter(([, v]) => v !== undefined),
      ) as CompareRequest;
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
