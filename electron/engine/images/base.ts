// The base every lab image starts FROM. debian:bookworm-slim when the engine
// has it or can pull it; otherwise (air-gapped) one built from Debian
// packages by lab-images/base/build-base.sh (debootstrap + docker import).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LABEL } from '../docker/labels';
import { imageExists, tryPull } from './docker-ops';
import { contextDir, labImagesDir } from './names';
import type { OnImageProgress } from './progress';
import { baseHash, baseRef } from './refs';

export const UPSTREAM_BASE = 'debian:bookworm-slim';
export const NO_BASE_MESSAGE = 'no debian:bookworm-slim image and no registry: building a base from Debian packages (debootstrap)';

function runBaseScript(ref: string, labels: Record<string, string>, onLine: (l: string) => void): Promise<void> {
  const script = path.join(contextDir('base', labImagesDir()), 'build-base.sh');
  const args = [script, ref, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  return new Promise((resolve, reject) => {
    const p = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.on('data', (b: Buffer) => b.toString().split('\n').filter(Boolean).forEach(onLine));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', (e) => reject(new Error(`building the base image: cannot run ${script}: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) return resolve();
      const why = err.trim().split('\n').pop() || `exit ${code}`;
      reject(new Error(`building the base image failed: ${why}`));
    });
  });
}

/** Returns the image to pass as `--build-arg BASE=...`, building it if needed. */
export async function ensureBase(onProgress: OnImageProgress = () => {}): Promise<string> {
  if (await imageExists(UPSTREAM_BASE)) return UPSTREAM_BASE;
  const ref = baseRef();
  if (await imageExists(ref)) return ref;
  onProgress({ image: 'base', step: 'pull', message: `pulling ${UPSTREAM_BASE}`, done: 0, total: 2 });
  if (await tryPull(UPSTREAM_BASE)) return UPSTREAM_BASE;
  onProgress({ image: 'base', step: 'debootstrap', message: NO_BASE_MESSAGE, done: 1, total: 2 });
  const labels = { [LABEL.managed]: 'true', [LABEL.image]: 'base', [LABEL.hash]: baseHash() };
  await runBaseScript(ref, labels, (line) => onProgress({ image: 'base', step: 'debootstrap', message: line, done: 1, total: 2 }));
  onProgress({ image: 'base', step: 'done', message: `built ${ref}`, done: 2, total: 2 });
  return ref;
}
