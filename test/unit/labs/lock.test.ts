// The per-lab lock across processes: a live owner makes others fail at once
// naming its pid; a dead owner's lock is broken by exactly one taker. The other
// processes say when they are loaded and what they got: no waiting on the clock.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockLab, lockOwner, processStart } from '../../../electron/engine/labs/lock';

const ROOT = path.resolve(__dirname, '../../..');
let dir: string;
const saved = process.env.LBLAB_LOCK_DIR;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-locks-'));
  process.env.LBLAB_LOCK_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LBLAB_LOCK_DIR;
  else process.env.LBLAB_LOCK_DIR = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/**
 * Another lblab process: prints `ready` once loaded, waits for `go`, tries
 * the lock, prints `locked` (and holds it until killed) or `refused <why>`.
 */
function taker(lab: string, go: string) {
  const script = `
    import fs from 'node:fs';
    import { register } from 'tsx/esm/api';
    register();
    const { lockLab } = await import(${JSON.stringify(path.join(ROOT, 'electron/engine/labs/lock.ts'))});
    console.log('ready');
    while (!fs.existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 5));
    try {
      lockLab(${JSON.stringify(lab)}, 'deploy');
      console.log('locked');
      setInterval(() => undefined, 60_000);
    } catch (e) {
      console.log('refused ' + e.message);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, LBLAB_LOCK_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const lines = () => out.split('\n').slice(0, -1);
  // listeners added after the one above: they see `out` with the new chunk
  const line = (pick: (l: string[]) => string | undefined) =>
    new Promise<string>((resolve) => {
      child.stdout!.on('data', () => {
        const l = pick(lines());
        if (l !== undefined) resolve(l);
      });
      child.on('exit', () => resolve(pick(lines()) ?? out.trim()));
    });
  /** loaded, waiting for `go` */
  const ready = line((l) => l.find((x) => x === 'ready'));
  /** what it said after trying the lock */
  const said = line((l) => l.find((x) => x !== 'ready'));
  return { child, ready, said };
}

describe('lab lock', () => {
  it('is taken, refused to a second taker in this process, and released', () => {
    const a = lockLab('t-one', 'deploy');
    expect(fs.existsSync(path.join(dir, 't-one.lock'))).toBe(true);
    expect(() => lockLab('t-one', 'mode')).toThrow(/^lab t-one is already being deployed$/);
    expect(lockOwner('t-one')?.pid).toBe(process.pid);
    a.release();
    expect(fs.existsSync(path.join(dir, 't-one.lock'))).toBe(false);
    lockLab('t-one', 'remove').release();
  });

  it('a live lblab in another process: fails at once naming its pid; once it is killed, its stale lock is broken', async () => {
    const go = path.join(dir, 'go-live');
    fs.writeFileSync(go, '');
    const other = taker('t-two', go);
    expect(await other.said).toBe('locked');
    let err: unknown;
    try {
      lockLab('t-two', 'deploy');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ message: `lab t-two is being deployed by another lblab (pid ${other.child.pid})`, code: 'conflict' });
    const gone = new Promise((r) => other.child.on('exit', r));
    other.child.kill('SIGKILL');
    await gone;
    const mine = lockLab('t-two', 'deploy');
    expect(mine.brokeStale?.pid).toBe(other.child.pid);
    mine.release();
  }, 30_000);

  it('a reused pid does not keep a dead owner alive', () => {
    fs.writeFileSync(path.join(dir, 't-three.lock'), JSON.stringify({ pid: 1, op: 'deploy', start: `${processStart(1)}0`, nonce: 'x', since: 0 }));
    const l = lockLab('t-three', 'deploy');
    expect(l.brokeStale?.pid).toBe(1);
    l.release();
  });

  it('an unreadable lock is someone writing it while young, stale when old', () => {
    const f = path.join(dir, 't-four.lock');
    fs.writeFileSync(f, '');
    expect(() => lockLab('t-four', 'deploy')).toThrow(/is being changed by another lblab/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(f, old, old);
    lockLab('t-four', 'deploy').release();
  });

  it('refuses a lab name that is not a name (no path from a lab file or HTTP)', () => {
    expect(() => lockLab('../../etc/x', 'deploy')).toThrow(/^not a lab name/);
  });

  it('many takers racing for a stale lock: exactly one gets it', async () => {
    fs.writeFileSync(path.join(dir, 't-five.lock'), JSON.stringify({ pid: 999_999_999, op: 'deploy', nonce: 'dead', since: 0 }));
    const go = path.join(dir, 'go-race');
    const takers = Array.from({ length: 5 }, () => taker('t-five', go));
    // every taker has loaded and waits for the go file
    expect(await Promise.all(takers.map((t) => t.ready))).toEqual(Array(5).fill('ready'));
    fs.writeFileSync(go, '');
    const said = await Promise.all(takers.map((t) => t.said));
    expect(said.filter((s) => s === 'locked')).toHaveLength(1);
    for (const s of said.filter((x) => x !== 'locked')) expect(s).toMatch(/^refused lab t-five is being deployed by another lblab \(pid \d+\)$/);
  }, 60_000);
});
