// What Docker remembers about a deployed lab, so any process (CLI, UI, web
// server) can find it again without a state file on the host:
//  - every container carries the lab document (label io.lblab.doc, base64 JSON)
//    and its hash (io.lblab.hash), written at create time;
//  - labels are immutable, so what changes while the lab runs (the live mode of
//    each service, the document after a redeploy in place) and the "deploy
//    finished" marker live in one file inside the lab's anchor container:
//    /run/lblab/lab.json. The anchor is the first balancer (else the first
//    node). The file dies with the lab, as it should. What the record's
//    document does not name is a crashed run's leftover (claimedBy).
//    It is on the container's own filesystem (lab containers get no tmpfs on
//    /run), so it survives a container stop/start, an engine restart: then it
//    is what lets `up` repair the lab with its live modes. A stopped anchor's
//    record is read through Docker's archive API.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { LabBreak, LabDoc, Mode } from '../../api';
import { docker, engineFailure, within } from '../docker/client';
import { isMultiHost, labHosts, placeContainer, placeNetwork, type LabHost } from '../docker/placement';
import { readContainerFile } from '../docker/archive';
import { execIn } from '../docker/exec';
import { LABEL, labFilter } from '../docker/labels';

export const RECORD_PATH = '/run/lblab/lab.json';

export interface LabRecord {
  hash: string;
  /** live mode per service (absent = the document's mode) */
  modes: Record<string, Mode>;
  deployedAt: number;
  /** the document deployed, subnets resolved; the containers' labels keep the one each was created
   * with, which a redeploy in place makes older than this (absent in records of older versions) */
  doc?: LabDoc;
  /** faults made on purpose (`lblab break`) not yet undone or repaired */
  breaks?: LabBreak[];
}

/** Canonical JSON (sorted keys) so the hash does not depend on key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Hash of what matters for deployment: drawing positions and descriptions do not redeploy a lab. */
export function docHash(doc: LabDoc): string {
  const strip = (v: unknown, key?: string): unknown => {
    if (key === 'position' || key === 'description') return undefined;
    if (Array.isArray(v)) return v.map((x) => strip(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, k)]));
    return v;
  };
  return createHash('sha256').update(canonical(strip(doc))).digest('hex').slice(0, 16);
}

export const encodeDoc = (doc: LabDoc) => Buffer.from(JSON.stringify(doc)).toString('base64');
export function decodeDoc(label: string | undefined): LabDoc | undefined {
  if (!label) return undefined;
  try {
    return JSON.parse(Buffer.from(label, 'base64').toString('utf8')) as LabDoc;
  } catch {
    return undefined;
  }
}

export interface LabObjects {
  containers: Docker.ContainerInfo[];
  networks: Docker.NetworkInspectInfo[];
  /** a lab spread over engines: the hosts that did not answer, with why (their objects are not listed) */
  unreachable?: { host: string; problem: string }[];
}

/** How long a lab's other engines get to answer a listing before they count as unreachable. */
const HOST_LIST_MS = 10_000;

async function listOn(d: Docker, lab: string): Promise<LabObjects> {
  const filters = JSON.stringify(labFilter(lab));
  const [containers, networks] = await Promise.all([d.listContainers({ all: true, filters }), d.listNetworks({ filters })]);
  return { containers, networks };
}

/**
 * Every container (running or not) and network of one lab, found by label.
 * A lab spread over hosts is found on the engine lblab drives (its first
 * host); the document its containers carry names the others, which are
 * listed too, and each object found there is placed (docker/placement.ts) so
 * later calls reach it. An overlay network shows on several engines: it is
 * listed once, managed through the first host (a Swarm manager).
 */
export async function labObjects(lab: string, known?: LabDoc): Promise<LabObjects> {
  const here = await listOn(docker(), lab);
  // `known`: the document read before this engine's containers went (down lists the networks again after)
  const doc = docOf(here) ?? known;
  if (!isMultiHost(doc)) return here;
  const out: LabObjects = { containers: [...here.containers], networks: [...here.networks], unreachable: [] };
  let hosts: LabHost[];
  try {
    hosts = labHosts(doc);
  } catch (e) {
    out.unreachable = Object.keys(doc!.hosts ?? {}).slice(1).map((host) => ({ host, problem: (e as Error).message }));
    return out;
  }
  await Promise.all(
    hosts
      .filter((h) => h.client !== docker())
      .map(async (h) => {
        try {
          const there = await within(listOn(h.client, lab), HOST_LIST_MS, `listing lab ${lab} on host ${h.name}`);
          for (const c of there.containers) {
            placeContainer(c.Id, h.client);
            for (const n of c.Names ?? []) placeContainer(n.replace(/^\//, ''), h.client);
            out.containers.push(c);
          }
          for (const n of there.networks) {
            if (out.networks.some((x) => x.Id === n.Id)) continue;
            placeNetwork(n.Id, h.client);
            out.networks.push(n);
          }
        } catch (e) {
          out.unreachable!.push({ host: h.name, problem: engineFailure(h.target, e) });
        }
      }),
  );
  return out;
}

/** The document a lab was deployed from, read from its containers' labels. */
export function docOf(objs: LabObjects): LabDoc | undefined {
  for (const c of objs.containers) {
    const d = decodeDoc(c.Labels?.[LABEL.doc]);
    if (d) return d;
  }
  return undefined;
}

/** What a lab's document claims among its objects (nodes and networks it names); the rest are leftovers of a crashed run. */
export function claimedBy(doc: LabDoc | undefined, objs: LabObjects): { claimed: LabObjects; leftovers: LabObjects } {
  const node = (c: Docker.ContainerInfo) => c.Labels?.[LABEL.node] ?? '';
  const net = (n: Docker.NetworkInspectInfo) => n.Labels?.[LABEL.network] ?? '';
  const hasNode = (c: Docker.ContainerInfo) => !!doc && Object.prototype.hasOwnProperty.call(doc.nodes, node(c));
  const hasNet = (n: Docker.NetworkInspectInfo) => !!doc && Object.prototype.hasOwnProperty.call(doc.networks, net(n));
  return {
    claimed: { containers: objs.containers.filter(hasNode), networks: objs.networks.filter(hasNet) },
    leftovers: { containers: objs.containers.filter((c) => !hasNode(c)), networks: objs.networks.filter((n) => !hasNet(n)) },
  };
}

/** The anchor node holds the record file: first balancer, else first node (document order) — of the
 * first host's nodes when the lab spans hosts, so the record is on the engine lblab drives. */
export function anchorNode(doc: LabDoc): string {
  const all = Object.keys(doc.nodes);
  const firstHost = Object.keys(doc.hosts ?? {})[0];
  const here = firstHost ? all.filter((n) => (doc.nodes[n].host ?? firstHost) === firstHost) : all;
  const names = here.length ? here : all;
  return names.find((n) => doc.nodes[n].kind === 'balancer') ?? names[0];
}

/** The record file's text as a record; undefined when it is missing or unreadable. */
export function parseRecord(text: string): LabRecord | undefined {
  try {
    return JSON.parse(text) as LabRecord;
  } catch {
    return undefined;
  }
}

/** The running anchor's record; undefined only when the file is not there. Not being able to look (an
 * exec that fails or times out on a busy host) is an error, not "no record": `up` takes a lab without a
 * record for a crashed run's leftovers and removes it. */
export async function readRecord(container: string): Promise<LabRecord | undefined> {
  const r = await execIn(container, ['cat', RECORD_PATH], { timeoutMs: 10_000 }).catch((e: unknown) => {
    throw new Error(`cannot read the lab's record in container ${container.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}; nothing was changed`);
  });
  if (r.exitCode === 0) return parseRecord(r.stdout);
  if (/no such file/i.test(r.stderr)) return undefined;
  throw new Error(`cannot read the lab's record in container ${container.slice(0, 12)}: ${r.stderr.trim() || `exit ${r.exitCode}`}; nothing was changed`);
}

/** The record of an anchor that does not run (no exec there): read from its filesystem. */
export async function readStoppedRecord(container: string): Promise<LabRecord | undefined> {
  const text = await readContainerFile(container, RECORD_PATH);
  return text === undefined ? undefined : parseRecord(text);
}

export async function writeRecord(container: string, rec: LabRecord): Promise<void> {
  const r = await execIn(container, ['sh', '-ec', `mkdir -p /run/lblab && cat > ${RECORD_PATH}.tmp && mv ${RECORD_PATH}.tmp ${RECORD_PATH}`], {
    stdin: JSON.stringify(rec),
    timeoutMs: 10_000,
  });
  if (r.exitCode !== 0) throw new Error(`${container}: cannot write ${RECORD_PATH}: ${r.stderr.trim()}`);
}

/** The document with the live modes applied. */
export function withModes(doc: LabDoc, modes: Record<string, Mode> = {}): LabDoc {
  const services = Object.fromEntries(
    Object.entries(doc.services ?? {}).map(([name, s]) => [name, modes[name] ? { ...s, mode: modes[name] } : s]),
  );
  return { ...doc, services };
}
