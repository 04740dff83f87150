// A lab's lock kept on the engine itself, for engines reached over the
// network: two people driving one shared engine from two machines cannot see
// each other's lock files, but they see the same containers. The lock is a
// container named lblab-lock-<lab>, created and never started, from a tiny
// image of its own (lblab/lock, a few bytes, imported on first use): Docker
// refuses a second container of the same name, which makes taking the lock
// atomic. Its labels name the owner (host, pid, process start, operation,
// time); releasing removes it.
//
// Staleness: an owner on this host (same machine id, else same host name) is
// judged like a lock file's, by its pid and start time. An owner on another
// host cannot be asked; its lock turns stale LEASE_MS after it was taken,
// longer than any deploy (the message says when; `lblab gc` removes stale
// locks). A lock broken as stale says so (`brokeStale`), like the file lock.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { NAME_RE } from '../../api';
import { docker } from '../docker/client';
import { LABEL } from '../docker/labels';
import { EngineError } from '../errors';
import { eventError, readJsonStream } from '../images/docker-ops';
import { tarPack } from '../images/tar';
import { DOING, ownerAlive, processStart, type HeldLock, type LabOp, type LockOwner } from './lock';

export const LOCK_IMAGE = 'lblab/lock:1';
export const LOCK_LABEL = 'io.lblab.lock';
const OWNER_LABEL = 'io.lblab.lock.owner';
/** How long a lock taken on another host is held at most. */
export const LEASE_MS = 60 * 60_000;

export interface EngineLockOwner extends LockOwner {
  host: string;
  machine?: string;
}

export const lockContainerName = (lab: string) => `lblab-lock-${lab}`;

let machineId: string | undefined | null = null;
function thisMachine(): string | undefined {
  if (machineId === null) {
    try {
      machineId = crypto.createHash('sha256').update(fs.readFileSync('/etc/machine-id', 'utf8').trim()).digest('hex').slice(0, 16);
    } catch {
      machineId = undefined;
    }
  }
  return machineId;
}

export const sameHost = (o: Pick<EngineLockOwner, 'host' | 'machine'>): boolean =>
  o.machine && thisMachine() ? o.machine === thisMachine() : o.host === os.hostname();

/** Whether a lock's owner is gone: judged by pid on this host, by age elsewhere. */
export function isStale(o: EngineLockOwner, now = Date.now()): boolean {
  return sameHost(o) ? !ownerAlive(o) : now - o.since > LEASE_MS;
}

export function parseEngineOwner(text: string | undefined): EngineLockOwner | undefined {
  try {
    const o = JSON.parse(text ?? '') as EngineLockOwner;
    return typeof o.pid === 'number' && typeof o.nonce === 'string' && typeof o.host === 'string' && typeof o.since === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

export function heldMessage(lab: string, o: EngineLockOwner, now = Date.now()): string {
  const doing = DOING[o.op] ?? 'changed';
  if (sameHost(o) && o.pid === process.pid) return `lab ${lab} is already being ${doing}`;
  const where = sameHost(o) ? `pid ${o.pid}` : `pid ${o.pid} on ${o.host}, since ${new Date(o.since).toISOString().slice(0, 16).replace('T', ' ')} UTC; stale after ${Math.ceil((o.since + LEASE_MS - now) / 60_000)} min more`;
  return `lab ${lab} is being ${doing} by another lblab (${where})`;
}

/** The lock image, imported once per engine: one empty file, no layers to pull. */
export async function ensureLockImage(): Promise<void> {
  try {
    await docker().getImage(LOCK_IMAGE).inspect();
    return;
  } catch {
    // not there yet
  }
  const [repo, tag] = LOCK_IMAGE.split(':');
  const stream = (await docker().importImage(tarPack([{ name: 'lock', data: Buffer.alloc(0) }]) as unknown as string, { repo, tag, changes: [`LABEL ${LABEL.image}=lock`] } as never)) as unknown as NodeJS.ReadableStream;
  let error: string | undefined;
  await readJsonStream(stream, (ev) => (error ??= eventError(ev)));
  if (error) throw new EngineError(`cannot make the lock image on the engine: ${error}`);
}

const statusOf = (e: unknown) => (e as { statusCode?: number })?.statusCode;

/** Take a lab's lock on the engine, or fail at once naming its owner (code conflict). */
export async function lockLabOnEngine(lab: string, op: LabOp): Promise<HeldLock> {
  if (!NAME_RE.test(lab)) throw new EngineError(`not a lab name: ${JSON.stringify(lab).slice(0, 60)}`, 'bad-request');
  await ensureLockImage();
  const owner: EngineLockOwner = { pid: process.pid, op, start: processStart(process.pid), nonce: crypto.randomBytes(12).toString('hex'), since: Date.now(), host: os.hostname(), machine: thisMachine() };
  const name = lockContainerName(lab);
  let brokeStale: LockOwner | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const c = await docker().createContainer({
        name,
        Image: LOCK_IMAGE,
        Cmd: ['/lock'],
        Labels: { [LOCK_LABEL]: lab, [OWNER_LABEL]: JSON.stringify(owner) },
        NetworkDisabled: true,
        HostConfig: { NetworkMode: 'none' },
      });
      let released = false;
      return {
        lab,
        owner,
        brokeStale,
        release: async () => {
          if (released) return;
          released = true;
          await c.remove({ force: true }).catch(() => undefined);
        },
      };
    } catch (e) {
      if (statusOf(e) !== 409) throw new EngineError(`cannot take the lock of lab ${lab} on the engine: ${(e as Error).message.split('\n')[0]}`);
    }
    let info;
    try {
      info = await docker().getContainer(name).inspect();
    } catch {
      continue; // released meanwhile
    }
    const other = parseEngineOwner(info.Config.Labels?.[OWNER_LABEL]);
    if (other && !isStale(other)) throw new EngineError(heldMessage(lab, other), 'conflict');
    // stale (or unreadable: not written by any lblab): remove exactly the container judged, by id
    brokeStale = other ?? { pid: 0, op: 'deploy', nonce: '', since: 0 };
    await docker().getContainer(info.Id).remove({ force: true }).catch(() => undefined);
  }
  throw new EngineError(`cannot take the lock of lab ${lab} on the engine: it keeps changing hands`, 'conflict');
}

/** Locks left on the engine: every one with `all`, else those whose owner is gone. Returns the removed names. */
export async function removeEngineLocks(opts: { all?: boolean; onlyLab?: string } = {}): Promise<string[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [LOCK_LABEL] }) });
  const gone: string[] = [];
  for (const c of list) {
    const lab = c.Labels?.[LOCK_LABEL] ?? '';
    if (opts.onlyLab !== undefined && !lab.startsWith(opts.onlyLab)) continue;
    const o = parseEngineOwner(c.Labels?.[OWNER_LABEL]);
    if (!opts.all && o && !isStale(o)) continue;
    await docker().getContainer(c.Id).remove({ force: true }).then(
      () => gone.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id),
      () => undefined,
    );
  }
  return gone;
}
