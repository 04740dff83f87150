#!/usr/bin/env node
// `npm start`: the desktop app when Electron can run here, otherwise web mode.
//
//   npm start [-- --web] [-- --port P]
//
// Environment: LBLAB_WEB=1 forces web mode, LBLAB_PORT sets its port (default
// 7470, 0 = any), ELECTRON_OVERRIDE_DIST_PATH points at an existing Electron.
//
// Electron >= 42 downloads its binary on first use (not at npm install), so on
// an offline machine, or a Linux box without a display, the desktop app cannot
// start: say why in one line and serve the same UI at http://127.0.0.1:PORT/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const argv = process.argv.slice(2);

function say(line) {
  process.stdout.write(`lblab: ${line}\n`);
}

function fail(e) {
  const msg = String(e?.message ?? e).split('\n').find((l) => l.trim()) ?? 'failed';
  process.stderr.write(`lblab: ${msg.trim()}\n`);
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

function option(name) {
  const i = argv.indexOf(name);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** Where the electron package keeps (or would keep) its binary; mirrors node_modules/electron/index.js without triggering its download. */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: undefined, pkgDir: undefined };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const recorded = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const platformExe = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ?? 'electron';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    return { path: path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, recorded || platformExe), pkgDir, override: true };
  }
  return { path: recorded ? path.join(pkgDir, 'dist', recorded) : undefined, pkgDir };
}

/** Why the desktop app cannot start here, or null if it can. */
function whyNoDesktop() {
  if (argv.includes('--web') || process.env.LBLAB_WEB === '1') return 'web mode requested';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  }
  let bin = electronBinary();
  if (!bin.pkgDir) return 'the electron package is not installed (run npm install)';
  if (bin.override) return fs.existsSync(bin.path) ? null : `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${bin.path}`;
  if (bin.path && fs.existsSync(bin.path)) return null;
  // First run: fetch the binary the way `npx electron` would, quietly.
  say('downloading the Electron binary (first run)…');
  const r = spawnSync(process.execPath, [path.join(bin.pkgDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 });
  bin = electronBinary();
  if (r.status === 0 && bin.path && fs.existsSync(bin.path)) return null;
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|fetch failed|getaddrinfo/i.test(r.stderr ?? '');
  return offline
    ? 'Electron binary not available (offline: run npx electron --version once online, or set ELECTRON_OVERRIDE_DIST_PATH)'
    : `Electron binary not available (its download failed: ${(r.stderr ?? '').split('\n').find((l) => /error/i.test(l))?.trim() ?? `exit ${r.status}`})`;
}

async function webMode(reason) {
  say(`${reason} — starting web mode`);
  const portText = option('--port') ?? process.env.LBLAB_PORT ?? '7470';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${portText}: not a port number`);
  // The server is TypeScript: load it through tsx's ESM hooks.
  const { register } = await import('tsx/esm/api');
  register();
  const { serveMain } = await import(new URL('../electron/server/index.ts', import.meta.url).href);
  await serveMain(port);
}

function desktop() {
  // electron-forge start: builds main + preload with Vite, runs the renderer dev server, launches Electron.
  const forge = path.join(path.dirname(require.resolve('@electron-forge/cli/package.json')), 'dist', 'electron-forge.js');
  const child = spawn(process.execPath, [forge, 'start', '--', ...argv.filter((a) => a !== '--web')], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const reason = whyNoDesktop();
if (reason) await webMode(reason);
else desktop();
