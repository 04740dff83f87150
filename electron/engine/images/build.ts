// Builds the lab images with the engine's classic builder from in-memory
// contexts, tagging lblab/<name>:<hash> and lblab/<name>:latest. Images whose
// hash tag already exists are not rebuilt (that is what makes a warm
// `lblab images build` take a second or two). A remote engine is sent the
// images this machine's engine has (transfer.ts) and builds only the others,
// without the apt proxy (it listens on this machine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { docker, engineIsRemote } from '../docker/client';
import { LABEL } from '../docker/labels';
import { bundleAgent, AGENT_ENTRY, AGENT_SOURCE_DIRS } from './agent-bundle';
import type { AptProxy } from './apt-proxy';
import { ensureBaseImage, type BaseResult } from './base';
import { reachableFromContainers, startBuildProxy } from './build-proxy';
import { eventError, imageExists, readJsonStream } from './docker-ops';
import { contextFiles } from './hash';
import { contextDir, IMAGE_NAMES, labImagesDir, type ImageName } from './names';
import type { OnImageProgress } from './progress';
import { imageHash, REPO } from './refs';
import { tarPack, type TarEntry } from './tar';
import { sendMissingImages } from './transfer';

export interface BuildOptions {
  names?: ImageName[];
  /** rebuild even when the hash tag exists (the layer cache still applies) */
  force?: boolean;
  /** rebuild without the layer cache */
  noCache?: boolean;
  onProgress?: OnImageProgress;
  /** called once at the end with a per-image timing summary (one line each) */
  onSummary?: (lines: string[]) => void;
}
export interface BuildResult { name: ImageName; ref: string; built: boolean; seconds: number }

/** Sources each image cannot be built without (written by other parts of the project). */
const REQUIRED: Record<ImageName, string[]> = {
  client: ['Dockerfile'],
  router: ['Dockerfile'],
  server: ['Dockerfile', 'nginx.conf', 'decap/Makefile'],
  balancer: ['Dockerfile', 'core/Makefile', AGENT_ENTRY],
};

/** The build context of one image as tar entries (the balancer's agent as its bundle). */
export function contextEntries(name: ImageName, root = labImagesDir()): TarEntry[] {
  const dir = contextDir(name, root);
  for (const rel of REQUIRED[name]) {
    if (!fs.existsSync(path.join(dir, rel))) {
      throw new Error(`image ${name}: ${path.relative(process.cwd(), path.join(dir, rel)) || rel} is missing, cannot build`);
    }
  }
  const entries: TarEntry[] = [];
  for (const rel of contextFiles(dir)) {
    if (name === 'balancer' && AGENT_SOURCE_DIRS.some((d) => rel.startsWith(`${d}/`))) continue; // shipped as lbagent.mjs
    const abs = path.join(dir, rel);
    const exec = (fs.statSync(abs).mode & 0o111) !== 0;
    entries.push({ name: rel, data: fs.readFileSync(abs), mode: exec ? 0o755 : 0o644 });
  }
  if (name === 'balancer') {
    const agent = bundleAgent(dir);
    if (!agent) throw new Error(`image balancer: ${AGENT_ENTRY} is missing, cannot build`);
    entries.push({ name: 'lbagent.mjs', data: agent, mode: 0o644 });
  }
  return entries;
}

const STEP_RE = /^Step (\d+)\/(\d+) : (.*)$/;

async function buildOne(name: ImageName, hash: string, context: TarEntry[], base: string, onProgress: OnImageProgress, noCache: boolean, httpProxy?: string): Promise<void> {
  const ref = `${REPO}/${name}:${hash}`;
  const tar = tarPack(context);
  const labels = { [LABEL.managed]: 'true', [LABEL.image]: name, [LABEL.hash]: hash };
  const stream = await docker().buildImage(Readable.from([tar]), {
    t: ref,
    // http_proxy is one of the engine's predefined build args: it reaches apt
    // in RUN steps but is not part of the layer cache key or the image.
    buildargs: httpProxy ? { BASE: base, http_proxy: httpProxy } : { BASE: base },
    labels,
    rm: true,
    forcerm: true,
    nocache: noCache,
  });
  let step = 'Step 0/0';
  let stepText = '';
  let done = 0;
  let total = 0;
  const tail: string[] = [];
  let error: string | undefined;
  await readJsonStream(stream, (ev) => {
    const err = eventError(ev);
    if (err) error ??= err;
    for (const line of (ev.stream ?? '').split('\n')) {
      const l = line.trimEnd();
      if (!l) continue;
      const m = STEP_RE.exec(l);
      if (m) {
        done = Number(m[1]);
        total = Number(m[2]);
        step = `Step ${done}/${total}`;
        stepText = m[3];
        onProgress({ image: name, step, message: stepText, done: done - 1, total });
      } else {
        // Command output: shown as activity under the current step.
        if (done > 0 && !/^ ---> |^Removing intermediate/.test(l)) onProgress({ image: name, step, message: l, done: done - 1, total });
        tail.push(l);
        if (tail.length > 20) tail.shift();
      }
    }
  });
  if (error) {
    const last = tail.filter((l) => !/^ ---> |^Removing intermediate/.test(l)).pop();
    throw new Error(`image ${name}: ${step} (${stepText}) failed: ${error.trim()}${last && !error.includes(last) ? ` — last output: ${last.trim()}` : ''}`);
  }
  if (!(await imageExists(ref))) throw new Error(`image ${name}: the build ended without producing ${ref}`);
  onProgress({ image: name, step: 'done', message: `built ${ref}`, done: total, total });
}

/**
 * Build (or confirm) the lab images. After the base, everything runs at once
 * except the server, which waits until the balancer has built the BPF
 * toolchain layer (their builder stages start with the same RUN line, so the
 * server then takes it from the layer cache instead of installing it twice).
 * Downloads go through a caching apt proxy when one can be set up (see
 * build-proxy.ts); without it the builds fetch from the mirror as usual.
 */
export async function buildImages(opts: BuildOptions = {}): Promise<BuildResult[]> {
  const t0 = Date.now();
  const names = opts.names ?? [...IMAGE_NAMES];
  const onProgress = opts.onProgress ?? (() => {});
  const hashes = new Map(names.map((n) => [n, imageHash(n)] as const));
  const results = new Map<ImageName, BuildResult>();
  const todo: ImageName[] = [];
  // a remote engine first gets what this machine's engine already has (images/transfer.ts)
  if (!opts.force && engineIsRemote()) {
    const refs = names.map((n) => `${REPO}/${n}:${hashes.get(n)}`);
    const sent = await sendMissingImages(refs, (p) => onProgress({ image: 'transfer', step: 'send', message: p.message, done: p.done, total: p.total }));
    for (const name of names) {
      const ref = `${REPO}/${name}:${hashes.get(name)}`;
      if (sent.includes(ref)) onProgress({ image: name, step: 'sent', message: `${ref} sent from this machine`, done: 1, total: 1 });
    }
  }
  for (const name of names) {
    const ref = `${REPO}/${name}:${hashes.get(name)}`;
    if (!opts.force && (await imageExists(ref))) {
      results.set(name, { name, ref, built: false, seconds: 0 });
      onProgress({ image: name, step: 'cached', message: `${ref} is up to date`, done: 1, total: 1 });
    } else {
      todo.push(name);
    }
  }
  // An image whose sources are missing fails on its own; the others still build.
  // Contexts are read now, right after hashing, so a tag always matches what
  // was built even when sources are edited during a long build.
  const errors: string[] = [];
  const contexts = new Map<ImageName, TarEntry[]>();
  const ready = todo.filter((name) => {
    try {
      contexts.set(name, contextEntries(name));
      return true;
    } catch (e) {
      errors.push((e as Error).message);
      return false;
    }
  });
  let base: BaseResult | undefined;
  let proxy: AptProxy | undefined;
  let proxyUsed = false;
  if (ready.length) {
    proxy = await startBuildProxy();
    try {
      base = await ensureBaseImage(onProgress, proxy?.url);
      proxyUsed = !!proxy && (await reachableFromContainers(proxy, base.ref));
      const httpProxy = proxyUsed ? proxy!.url : undefined;
      let toolchainReady: () => void = () => {};
      const toolchain = ready.includes('balancer') ? new Promise<void>((r) => (toolchainReady = r)) : Promise.resolve();
      const runOne = async (name: ImageName) => {
        if (name === 'server') await toolchain;
        const t = Date.now();
        const progress: OnImageProgress =
          name === 'balancer'
            ? (p) => {
                // The first COPY after the builder's RUN: the toolchain layer exists.
                if (/^COPY /.test(p.message) && /^Step /.test(p.step)) toolchainReady();
                onProgress(p);
              }
            : onProgress;
        try {
          await buildOne(name, hashes.get(name)!, contexts.get(name)!, base!.ref, progress, !!opts.noCache, httpProxy);
          results.set(name, { name, ref: `${REPO}/${name}:${hashes.get(name)}`, built: true, seconds: (Date.now() - t) / 1000 });
        } catch (e) {
          errors.push((e as Error).message);
        } finally {
          if (name === 'balancer') toolchainReady();
        }
      };
      await Promise.all(ready.map(runOne));
    } finally {
      await proxy?.close();
    }
  }
  // `latest` follows the current sources, for people typing docker commands by hand.
  for (const name of names) {
    if (!results.has(name)) continue;
    await docker().getImage(`${REPO}/${name}:${hashes.get(name)}`).tag({ repo: `${REPO}/${name}`, tag: 'latest' });
  }
  opts.onSummary?.(summaryLines(names, results, (Date.now() - t0) / 1000, base, proxyUsed ? proxy : undefined));
  if (errors.length) throw new Error(errors.join('; '));
  return names.map((n) => results.get(n)!);
}

/** One line per image (and the base) with its build time, for logs (CI shows the cold time). */
export function summaryLines(names: ImageName[], results: Map<ImageName, BuildResult>, seconds: number, base?: BaseResult, proxy?: AptProxy): string[] {
  const fmt = (s: number) => `${s.toFixed(1).padStart(6)} s`;
  const lines: string[] = [];
  if (base) lines.push(`  base      ${base.how.padEnd(7)} ${base.how === 'present' ? '        ' : fmt(base.seconds)}  ${base.ref}`);
  for (const n of names) {
    const r = results.get(n);
    lines.push(`  ${n.padEnd(9)} ${!r ? 'FAILED ' : r.built ? 'built  ' : 'cached '} ${r?.built ? fmt(r.seconds) : '        '}  ${r?.ref ?? ''}`);
  }
  if (proxy) {
    const s = proxy.stats;
    const mb = (b: number) => (b / 1048576).toFixed(1);
    lines.push(`  apt: ${mb(s.bytesFetched)} MB from the mirror, ${mb(s.bytesLocal)} MB local (${s.fromHost} host-cached and ${s.fromCache} lblab-cached files)`);
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  // the load of this machine: a remote engine built elsewhere
  lines.push(`  total ${seconds.toFixed(1)} s (load average ${load}, ${os.cpus().length} cpus${engineIsRemote() ? ' on this machine; the engine is remote' : ''})`);
  return lines;
}

/** Build only the images that are missing (what deploy calls before creating containers). */
export function ensureImages(names: ImageName[], onProgress?: OnImageProgress): Promise<BuildResult[]> {
  return buildImages({ names, onProgress });
}
