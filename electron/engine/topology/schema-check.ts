// The schema half of validation: zod's issues turned into messages people can
// act on — one per field (a rate like "fast" fails its pattern and its minimum:
// only the first is said), naming the field and the value ('rate "fast" is not
// a rate like …'), unknown fields named, missing fields called missing. It also
// says which optional parts to leave out so that the topology checks can still
// run on the rest (all problems at once, where the schema allows).
import { z } from 'zod';
import type { LabDoc, LabIssue } from '../../api';
import { formatPath, issue } from './issues';
import { backendObjectSchema, healthSchema, labSchema, linkSchema, networkSchema, nodeSchema, positionSchema, routeSchema, serviceSchema } from './schema';

export interface SchemaCheck {
  doc?: LabDoc;
  issues: LabIssue[];
  /** when the schema fails: the optional fields whose removal leaves a document the schema may accept (undefined: none) */
  strip?: (string | number)[][];
}

export function schemaCheck(input: unknown): SchemaCheck {
  if (input === null || input === undefined) return { issues: [issue([], 'the lab file is empty')] };
  if (typeof input !== 'object' || Array.isArray(input)) return { issues: [issue([], 'a lab file is a map with name, networks, nodes and services')] };
  const r = labSchema.safeParse(input);
  if (r.success) return { doc: r.data as LabDoc, issues: [] };
  const issues: LabIssue[] = [];
  const seen = new Set<string>();
  let strip: (string | number)[][] | undefined = [];
  for (const zi of r.error.issues) {
    for (const i of zodIssue(zi, input, [])) {
      const key = formatPath(i.path);
      if (seen.has(key)) continue; // one message per field: the first cause is the one to fix
      seen.add(key);
      issues.push(i);
      const cut = zi.code === 'unrecognized_keys' ? i.path : optionalAncestor(i.path);
      if (!cut) strip = undefined;
      else strip?.push(cut);
    }
  }
  return { issues, strip };
}

/** A copy of `input` without the fields at `paths` (each a key of an object). */
export function without(input: unknown, paths: (string | number)[][]): unknown {
  const copy = structuredClone(input) as Record<string | number, unknown>;
  // deepest first, array elements from the end: earlier removals never shift later paths
  for (const p of [...paths].sort((a, b) => b.length - a.length)) {
    let v: unknown = copy;
    for (const k of p.slice(0, -1)) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) delete (v as Record<string | number, unknown>)[p[p.length - 1]];
  }
  return copy;
}

// Fields a lab may leave out: without them the rest still means the same topology.
const OPTIONAL = new Set(['description', 'subnet', 'position', 'rate', 'address', 'image', 'trust', 'vip', 'port', 'protocol', 'scheduler', 'routes', 'health', 'weight', 'gateway', 'workers']);

/** The path up to the nearest optional field (the part to leave out), if there is one. */
function optionalAncestor(path: (string | number)[]): (string | number)[] | undefined {
  for (let n = path.length; n >= 3; n--) {
    const k = path[n - 1];
    if (typeof k === 'string' && OPTIONAL.has(k)) return path.slice(0, n);
  }
  return undefined;
}

type ZIssue = z.core.$ZodIssue;

/** What a field is called in a sentence: its key, or for a list item the list's name in the singular. */
function fieldName(path: (string | number)[]): string | undefined {
  const last = path[path.length - 1];
  if (typeof last === 'string' && path[path.length - 2] === 'header' && path[path.length - 4] === 'routes') return `header ${last}`; // a route header's value
  if (typeof last === 'string') return path.length === 2 && ['nodes', 'networks', 'services'].includes(String(path[0])) ? undefined : last;
  const list = path[path.length - 2];
  return typeof list === 'string' ? list.replace(/s$/, '') : undefined;
}

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** 'must be a rate like …' about "fast" → 'rate "fast" is not a rate like …'; 'is missing' → 'links is missing'. */
function sentence(path: (string | number)[], value: unknown, message: string): string {
  const field = fieldName(path);
  if (!field) return message;
  if (message.startsWith('is missing')) return `${field} ${message}`;
  if (!message.startsWith('must ')) return message;
  const v = shown(value);
  const subject = v === undefined ? field : `${field} ${v}`;
  return /^must be (a|an|one of) /.test(message) && v !== undefined ? `${subject} ${message.replace(/^must be /, 'is not ')}` : `${subject} ${message}`;
}

function zodIssue(i: ZIssue, root: unknown, prefix: (string | number)[]): LabIssue[] {
  const path = [...prefix, ...(i.path as (string | number)[])];
  const value = valueAt(root, path);
  if (i.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    return i.keys.map((k) => issue([...path, k], `unknown field "${k}"${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`));
  }
  if (i.code === 'invalid_key') {
    // a map's key at fault (a header name): quote the key, say its rule ('header name "X A" is not …')
    const key = path[path.length - 1];
    const why = i.issues[0]?.message ?? 'is not allowed';
    const map = path[path.length - 2];
    const subject = `${typeof map === 'string' ? `${map} name` : 'name'} ${JSON.stringify(String(key))}`;
    return [issue(path, `${subject} ${why.startsWith('must be a') ? why.replace(/^must be /, 'is not ') : why}`)];
  }
  if (i.code === 'invalid_union') {
    // pick the branch that matched the value's type (e.g. the object form of a backend) and report its issues
    const branch = i.errors.find((b) => b.length > 0 && !b.some((e) => e.code === 'invalid_type' && e.path.length === 0));
    if (branch) return branch.flatMap((e) => zodIssue(e, root, path));
  }
  if (value === undefined && (i.code === 'invalid_type' || i.code === 'invalid_value' || i.code === 'invalid_union')) {
    return [issue(path, sentence(path, value, 'is missing (required)'))];
  }
  return [issue(path, sentence(path, value, i.message))];
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

// the fields each object allows, in the schema's own order (the zod shapes are the one list)
const KEYS = {
  lab: Object.keys(labSchema.shape),
  network: Object.keys(networkSchema.shape),
  node: Object.keys(nodeSchema.shape),
  link: Object.keys(linkSchema.shape),
  position: Object.keys(positionSchema.shape),
  service: Object.keys(serviceSchema.shape),
  backend: Object.keys(backendObjectSchema.shape),
  route: Object.keys(routeSchema.shape),
  health: Object.keys(healthSchema.shape),
};

function allowedKeys(path: (string | number)[]): string[] | undefined {
  const shape = path.map((p, i) => (typeof p === 'number' ? '#' : i % 2 === 1 && i < 2 ? '*' : p)).join('/');
  const table: Record<string, string[]> = {
    '': KEYS.lab,
    'networks/*': KEYS.network,
    'networks/*/position': KEYS.position,
    'nodes/*': KEYS.node,
    'nodes/*/position': KEYS.position,
    'nodes/*/links/#': KEYS.link,
    'services/*': KEYS.service,
    'services/*/backends/#': KEYS.backend,
    'services/*/routes/#': KEYS.route,
    'services/*/routes/#/backends/#': KEYS.backend,
    'services/*/health': KEYS.health,
  };
  return table[shape];
}
