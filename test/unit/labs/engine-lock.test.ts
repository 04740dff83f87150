// The lock a remote engine holds for a lab: how its owner is judged (pid on
// this host, age elsewhere) and what a refused taker is told.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { heldMessage, isStale, LEASE_MS, parseEngineOwner, sameHost, type EngineLockOwner } from '../../../electron/engine/labs/engine-lock';
import { processStart } from '../../../electron/engine/labs/lock';

const here = (more: Partial<EngineLockOwner> = {}): EngineLockOwner => ({ pid: process.pid, op: 'deploy', start: processStart(process.pid), nonce: 'n', since: Date.now(), host: os.hostname(), ...more });
const elsewhere = (more: Partial<EngineLockOwner> = {}): EngineLockOwner => ({ pid: 4242, op: 'mode', nonce: 'n', since: Date.now(), host: 'other.example', machine: 'another-machine', ...more });

describe('engine lock owners', () => {
  it('an owner on this host is live while its process is', () => {
    expect(sameHost(here())).toBe(true);
    expect(isStale(here())).toBe(false);
    expect(isStale(here({ pid: 2 ** 22 + 12345 }))).toBe(true); // no such process
    expect(isStale(here({ start: '1' }))).toBe(true); // its pid now belongs to another process
  });

  it('an owner on another host holds the lock for the lease, then it is stale', () => {
    const now = Date.now();
    expect(sameHost(elsewhere())).toBe(false);
    expect(isStale(elsewhere({ since: now - LEASE_MS + 60_000 }), now)).toBe(false);
    expect(isStale(elsewhere({ since: now - LEASE_MS - 1 }), now)).toBe(true);
  });

  it('tells a refused taker who holds it, where, since when and until when', () => {
    const since = Date.UTC(2026, 0, 2, 3, 4);
    expect(heldMessage('web', elsewhere({ since }), since + 10 * 60_000)).toBe('lab web is being switched to another mode by another lblab (pid 4242 on other.example, since 2026-01-02 03:04 UTC; stale after 50 min more)');
    expect(heldMessage('web', here())).toBe('lab web is already being deployed');
    expect(heldMessage('web', here({ pid: 1 }))).toBe('lab web is being deployed by another lblab (pid 1)');
  });

  it('reads only owners lblab wrote', () => {
    expect(parseEngineOwner(JSON.stringify(elsewhere()))?.host).toBe('other.example');
    expect(parseEngineOwner('{"pid":1}')).toBeUndefined();
    expect(parseEngineOwner('not json')).toBeUndefined();
    expect(parseEngineOwner(undefined)).toBeUndefined();
  });
});
