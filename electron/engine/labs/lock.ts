// One writer per lab, across processes: up, down, mode switches and gc of a
// lab hold its lock file, so a double-click, or the UI and the CLI at once,
// cannot take each other's containers for crash leftovers.
//
// A lock is a file <dir>/<lab>.lock holding the owner's pid, the start time of
// that process (pid reuse) and a nonce. It appears whole: written to a
// temporary file first, then hard-linked into place, which fails when a lock
// is there. A lock whose owner is gone (killed mid-deploy) is stale: the next
// taker removes it, under a short-lived guard file and only if it still holds
// the same nonce, so two takers cannot both break it and remove each other's.
// A held lock is not waited for: the caller fails at once, naming the owner.
//
// The directory is /tmp/lblab-locks (LBLAB_LOCK_DIR overrides it), shared by
// every user of this host like the local Docker engine is. An engine reached
// over the network (tcp://, ssh://) may be shared by several hosts, which
// cannot see each other's files: its locks live on the engine instead
// (engine-lock.ts); takeLabLock picks the right kind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NAME_RE } from '../../api';
import { engineIsRemote } from '../docker/client';
import { EngineError } from '../errors';

export type LabOp = 'deploy' | 'remove' | 'mode' | 'gc' | 'break';

/** What each operation does to a lab, for "lab X is being <doing>" (file and engine locks alike). */
export const DOING: Record<LabOp, string> = { deploy: 'deployed', remove: 'removed', mode: 'switched to another mode', gc: 'cleaned up', break: 'broken or repaired on purpose' };

export interface LockOwner {
  pid: number;
  op: LabOp;
  /** the owner's start time (/proc/<pid>/stat field 22), when the OS tells it */
  start?: string;
  nonce: string;
  since: number;
}

export interface HeldLock {
  lab: string;
  owner: LockOwner;
  /** a stale lock (its owner died) was broken to take this one: the lab may be half-made */
  brokeStale?: LockOwner;
  /** a file lock is released at once; an engine lock when its container is removed */
  release(): void | Promise<void>;
}

/** A guard older than this was left by a process that died while breaking a stale lock. */
const GUARD_STALE_MS = 5_000;

export function lockDir(): string {
  return process.env.LBLAB_LOCK_DIR || (process.platform === 'win32' ? path.join(os.tmpdir(), 'lblab-locks') : '/tmp/lblab-locks');
}

function lockPath(lab: string): string {
  // lab names come from lab files and HTTP: never a path
  if (!NAME_RE.test(lab)) throw new EngineError(`not a lab name: ${JSON.stringify(lab).slice(0, 60)}`, 'bad-request');
  return path.join(lockDir(), `${lab}.lock`);
}

function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o1777 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
    // shared by every user, like /tmp (sticky: nobody removes another's lock); mkdir's mode is cut by the umask
    if ((st.mode & 0o1777) !== 0o1777 && st.uid === process.getuid?.()) fs.chmodSync(dir, 0o1777);
  } catch (e) {
    throw new EngineError(`cannot use the lock directory ${dir}: ${(e as Error).message}`);
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Start time of a process, to tell a live owner from a new process that got its pid. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function ownerAlive(o: Pick<LockOwner, 'pid' | 'start'>): boolean {
  if (!Number.isInteger(o.pid) || o.pid <= 0) return false;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: gone
  }
  const now = processStart(o.pid);
  return !(o.start && now && now !== o.start);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.nonce === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Remove a stale lock, if it is still the one we judged stale (same text, so same nonce). */
function breakStale(file: string, staleText: string): void {
  const guard = `${file}.break`;
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.unlinkSync(guard);
    } catch {
      // gone meanwhile: the other breaker finished
    }
    pause(5); // another taker is breaking it: try again in a moment
    return;
  }
  try {
    if (readText(file) === staleText) fs.unlinkSync(file);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(guard, { force: true });
  }
}

const held = new Map<string, string>(); // lock file -> nonce, removed on exit
let exitHook = false;

function heldMessage(lab: string, o: LockOwner | undefined): string {
  const doing = DOING[o?.op ?? 'deploy'] ?? 'changed';
  if (!o) return `lab ${lab} is being changed by another lblab (its lock ${lockPath(lab)} is being written)`;
  if (o.pid === process.pid) return `lab ${lab} is already being ${doing}`;
  return `lab ${lab} is being ${doing} by another lblab (pid ${o.pid})`;
}

/**
 * Take the lab's lock or fail at once with `lab X is being deployed by another
 * lblab (pid N)` (code conflict). Breaks a stale lock, and says so in `brokeStale`.
 */
export function lockLab(lab: string, op: LabOp): HeldLock {
  const file = lockPath(lab);
  ensureDir(path.dirname(file));
  const owner: LockOwner = { pid: process.pid, op, start: processStart(process.pid), nonce: crypto.randomBytes(12).toString('hex'), since: Date.now() };
  const text = JSON.stringify(owner);
  let brokeStale: LockOwner | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const tmp = `${file}.${process.pid}.${owner.nonce}`;
    try {
      fs.writeFileSync(tmp, text, { mode: 0o644, flag: 'wx' });
      fs.linkSync(tmp, file); // atomic, and fails when a lock is there: the file appears whole
      held.set(file, owner.nonce);
      if (!exitHook) {
        exitHook = true;
        // process.exit() mid-operation (a second Ctrl-C): leave no lock behind
        process.on('exit', () => {
          for (const [f, nonce] of held) if (parseOwner(readText(f) ?? '')?.nonce === nonce) fs.rmSync(f, { force: true });
        });
      }
      return { lab, owner, brokeStale, release: () => release(file, owner.nonce) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new EngineError(`cannot take the lock of lab ${lab} (${file}): ${(e as Error).message}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    const current = readText(file);
    if (current === undefined) continue; // released meanwhile
    const other = parseOwner(current);
    if (other && ownerAlive(other)) throw new EngineError(heldMessage(lab, other), 'conflict');
    if (!other) {
      // not ours to judge yet if it is young (an older lblab writing it); an old unreadable lock is stale
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age < GUARD_STALE_MS) throw new EngineError(heldMessage(lab, undefined), 'conflict');
    }
    brokeStale = other ?? { pid: 0, op: 'deploy', nonce: '', since: 0 };
    try {
      breakStale(file, current);
    } catch (e) {
      throw new EngineError(`lab ${lab}: cannot remove the stale lock ${file} of pid ${other?.pid ?? '?'}: ${(e as Error).message}`);
    }
  }
  throw new EngineError(`cannot take the lock of lab ${lab} (${file}): it keeps changing hands`, 'conflict');
}

function release(file: string, nonce: string): void {
  if (held.get(file) !== nonce) return;
  held.delete(file);
  if (parseOwner(readText(file) ?? '')?.nonce === nonce) fs.rmSync(file, { force: true });
}

/** Who holds a lab's lock now (a live owner), without taking it. */
export function lockOwner(lab: string): LockOwner | undefined {
  const o = parseOwner(readText(lockPath(lab)) ?? '');
  return o && ownerAlive(o) ? o : undefined;
}

/** The lab's lock: a file on this host for the local engine, an engine object for a remote one. */
export async function takeLabLock(lab: string, op: LabOp): Promise<HeldLock> {
  if (!engineIsRemote()) return lockLab(lab, op);
  return (await import('./engine-lock')).lockLabOnEngine(lab, op);
}

/** Run `f` holding the lab's lock. */
export async function withLabLock<T>(lab: string, op: LabOp, f: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await takeLabLock(lab, op);
  try {
    return await f(lock);
  } finally {
    await lock.release();
  }
}
