// The base every lab image starts FROM. debian:bookworm-slim when the engine
// has it or can pull it; otherwise (air-gapped) one built from Debian
// packages by lab-images/base/build-base.sh (mmdebstrap or debootstrap +
// docker import).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { engineIsRemote } from '../docker/client';
import { LABEL } from '../docker/labels';
import { imageExists, tryPull } from './docker-ops';
import { contextDir, labImagesDir } from './names';
import type { OnImageProgress } from './progress';
import { baseHash, baseRef } from './refs';
import { sendMissingImages } from './transfer';

export const UPSTREAM_BASE = 'debian:bookworm-slim';
export const NO_BASE_MESSAGE = 'no debian:bookworm-slim image and no registry: building a base from Debian packages (mmdebstrap or debootstrap)';

function runBaseScript(ref: string, labels: Record<string, string>, onLine: (l: string) => void, httpProxy?: string): Promise<void> {
  const script = path.join(contextDir('base', labImagesDir()), 'build-base.sh');
  const args = [script, ref, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  // debootstrap fetches with wget, which honours http_proxy (the build's apt proxy).
  const env = httpProxy ? { ...process.env, http_proxy: httpProxy } : process.env;
  return new Promise((resolve, reject) => {
    const p = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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

export interface BaseResult {
  ref: string;
  /** how it was obtained this time */
  how: 'present' | 'pulled' | 'built' | 'sent';
  seconds: number;
}

/** The base image to pass as `--build-arg BASE=...`, built (or pulled) if needed. */
export async function ensureBaseImage(onProgress: OnImageProgress = () => {}, httpProxy?: string): Promise<BaseResult> {
  const t0 = Date.now();
  const took = () => (Date.now() - t0) / 1000;
  if (await imageExists(UPSTREAM_BASE)) return { ref: UPSTREAM_BASE, how: 'present', seconds: took() };
  const ref = baseRef();
  if (await imageExists(ref)) return { ref, how: 'present', seconds: took() };
  if (engineIsRemote()) {
    // this machine's engine may have a base already: send it rather than pull or build there
    const sent = await sendMissingImages([UPSTREAM_BASE, ref], (p) => onProgress({ image: 'base', step: 'send', message: p.message, done: 0, total: 2 }));
    if (sent.length) return { ref: sent[0], how: 'sent', seconds: took() };
  }
  onProgress({ image: 'base', step: 'pull', message: `pulling ${UPSTREAM_BASE}`, done: 0, total: 2 });
  if (await tryPull(UPSTREAM_BASE)) return { ref: UPSTREAM_BASE, how: 'pulled', seconds: took() };
  // build-base.sh runs debootstrap and `docker import` on this machine, into this machine's engine
  if (engineIsRemote()) throw new Error(`the engine has no ${UPSTREAM_BASE} and cannot pull it, and a base built from Debian packages can only be made on this machine's engine: load ${UPSTREAM_BASE} there, or build the images here first (they are then sent)`);
  onProgress({ image: 'base', step: 'debootstrap', message: NO_BASE_MESSAGE, done: 1, total: 2 });
  const labels = { [LABEL.managed]: 'true', [LABEL.image]: 'base', [LABEL.hash]: baseHash() };
  await runBaseScript(ref, labels, (line) => onProgress({ image: 'base', step: 'debootstrap', message: line, done: 1, total: 2 }), httpProxy);
  onProgress({ image: 'base', step: 'done', message: `built ${ref} in ${took().toFixed(1)} s`, done: 2, total: 2 });
  return { ref, how: 'built', seconds: took() };
}

/** Returns the image to pass as `--build-arg BASE=...`, building it if needed. */
export async function ensureBase(onProgress: OnImageProgress = () => {}, httpProxy?: string): Promise<string> {
  return (await ensureBaseImage(onProgress, httpProxy)).ref;
}
