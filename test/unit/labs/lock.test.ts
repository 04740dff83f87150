// The per-lab lock across processes: a live owner makes others fail at once
// naming its pid; a dead owner's lock is broken by exactly one taker.
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

/** Another lblab process: waits for `go`, tries the lock, prints `locked` or `refused <why>`, holds it `holdMs`. */
function taker(lab: string, go: string, holdMs: number) {
  const script = `
    import fs from 'node:fs';
    import { register } from 'tsx/esm/api';
    register();
    const { lockLab } = await import(${JSON.stringify(path.join(ROOT, 'electron/engine/labs/lock.ts'))});
    while (!fs.existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 5));
    try {
      const l = lockLab(${JSON.stringify(lab)}, 'deploy');
      console.log('locked');
      await new Promise((r) => setTimeout(r, ${holdMs}));
      l.release();
    } catch (e) {
      console.log('refused ' + e.message);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, LBLAB_LOCK_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const said = new Promise<string>((resolve) => {
    child.stdout!.on('data', () => out.includes('\n') && resolve(out.trim()));
    child.on('exit', () => resolve(out.trim()));
  });
  return { child, said };
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
    const other = taker('t-two', go, 60_000);
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
    const takers = Array.from({ length: 5 }, () => taker('t-five', go, 10_000));
    // every taker has loaded and waits for the go file
    await new Promise((r) => setTimeout(r, 4_000));
    fs.writeFileSync(go, '');
    const said = await Promise.all(takers.map((t) => t.said));
    expect(said.filter((s) => s === 'locked')).toHaveLength(1);
    for (const s of said.filter((x) => x !== 'locked')) expect(s).toMatch(/^refused lab t-five is being deployed by another lblab \(pid \d+\)$/);
  }, 60_000);
});
