// Lab files on disk and as text: YAML → LabDoc (with every issue located by
// field path; YAML syntax errors by line:column) and LabDoc → YAML (stable key
// order, compact flow style for small maps, positions kept).
import fs from 'node:fs/promises';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node as YNode } from 'yaml';
import type { LabDoc, LabIssue, ParseResult } from '../../api';
import { issue, LabFileError, locate } from './issues';
import { schemaCheck, validateLab } from './validate';

/**
 * Parse lab text. YAML errors or schema errors → no `doc`. A schema-valid document is
 * returned even when topology checks fail (the UI draws it and marks the culprits);
 * those issues are in `issues` too. `file` only labels messages.
 */
export function parseLabText(text: string, file?: string): ParseResult {
  void file; // messages carry field paths; the caller prefixes the file (see LabFileError)
  const lines = new LineCounter();
  const ydoc = YAML.parseDocument(text, { uniqueKeys: false, prettyErrors: false, lineCounter: lines });
  if (ydoc.errors.length) {
    const e = ydoc.errors[0];
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
    return { issues: [issue([], `line ${pos.line}:${pos.col}: YAML syntax error: ${reason}`)] };
  }
  const dups = duplicateKeys(ydoc.contents, [], lines);
  if (dups.length) return { issues: locate(dups, ydoc.toJS()) };
  let raw: unknown;
  try {
    raw = ydoc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { issues: [issue([], `YAML error: ${(e as Error).message.split('\n')[0]}`)] };
  }
  // every problem at once (schema and topology where the schema allows); a doc only when the schema holds
  const { doc } = schemaCheck(raw);
  const { issues } = validateLab(doc ?? raw);
  return doc ? { doc, issues } : { issues };
}

/** Read and fully validate a lab file; throws LabFileError (`<file>: <field path>: <reason>`). */
export async function loadLabFile(path: string): Promise<LabDoc> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LabFileError([issue([], code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`)], path);
  }
  const r = parseLabText(text, path);
  if (!r.doc || r.issues.length) throw new LabFileError(r.issues, path);
  return r.doc;
}

// Duplicate keys would silently overwrite each other (a second `web1:` replacing the first).
function duplicateKeys(node: unknown, path: (string | number)[], lines: LineCounter): LabIssue[] {
  const out: LabIssue[] = [];
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (seen.has(key)) {
        const off = (pair.key as YNode | null)?.range?.[0];
        const where = off === undefined ? '' : ` (line ${lines.linePos(off).line})`;
        const section = String(path[0]);
        const what = path.length === 1 && ['nodes', 'networks', 'services'].includes(section) ? `${section.replace(/s$/, '')} name "${key}"` : `key "${key}"`;
        out.push(issue([...path, key], `duplicate ${what}${where}`));
      }
      seen.add(key);
      out.push(...duplicateKeys(pair.value, [...path, key], lines));
    }
  } else if (isSeq(node)) {
    node.items.forEach((it, i) => out.push(...duplicateKeys(it, [...path, i], lines)));
  }
  return out;
}

// ------------------------------------------------------------------ formatting

const ORDER: Record<string, string[]> = {
  lab: ['name', 'description', 'offload', 'hosts', 'networks', 'nodes', 'services'],
  network: ['subnet', 'subnet6', 'mtu', 'position'],
  node: ['kind', 'host', 'image', 'trust', 'links', 'position'],
  link: ['network', 'address', 'rate'],
  position: ['x', 'y'],
  service: ['balancer', 'vip', 'vip6', 'port', 'protocol', 'mode', 'underlay', 'scheduler', 'backends', 'routes', 'health', 'gateway', 'workers'],
  backend: ['node', 'weight'],
  route: ['path', 'host', 'header', 'backends'],
  health: ['type', 'path', 'interval'],
};

/** Copy with keys in a fixed order, undefined dropped: the file diff stays small when the UI saves. */
function ordered(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!(k in out) && obj[k] !== undefined) out[k] = obj[k]; // unknown keys kept for the validator to name
  return out;
}

const mapValues = <T>(rec: Record<string, T> | undefined, f: (v: T) => unknown) =>
  rec === undefined ? undefined : Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));

const orderBackend = (b: unknown) => (typeof b === 'string' ? b : ordered(b as Record<string, unknown>, ORDER.backend));

function orderedDoc(doc: LabDoc): Record<string, unknown> {
  return ordered(
    {
      ...doc,
      networks: mapValues(doc.networks, (n) => ordered({ ...n, position: n.position && ordered({ ...n.position }, ORDER.position) }, ORDER.network)),
      nodes: mapValues(doc.nodes, (n) =>
        ordered(
          {
            ...n,
            links: n.links?.map((l) => ordered({ ...l }, ORDER.link)),
            position: n.position && ordered({ ...n.position }, ORDER.position),
          },
          ORDER.node,
        ),
      ),
      services: mapValues(doc.services, (s) =>
        ordered(
          {
            ...s,
            backends: s.backends?.map(orderBackend),
            routes: s.routes?.map((r) => ordered({ ...r, backends: r.backends?.map(orderBackend) }, ORDER.route)),
            health: s.health && ordered({ ...s.health }, ORDER.health),
          },
          ORDER.service,
        ),
      ),
    },
    ORDER.lab,
  );
}

/** LabDoc → YAML text. parseLabText(formatLab(doc)).doc deep-equals doc. */
export function formatLab(doc: LabDoc): string {
  const ydoc = new YAML.Document(orderedDoc(doc));
  // Networks and nodes are one line each ({ kind: server, links: [...] } reads like the drawing);
  // a service stays a block (it has lists and routes) whose parts are one line each.
  const root = ydoc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const section = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        if (section === 'networks' || section === 'nodes') setFlow(entry.value);
        else if (section === 'services' && isMap(entry.value)) {
          for (const field of entry.value.items) {
            const name = isScalar(field.key) ? String(field.key.value) : '';
            if (name === 'routes' && isSeq(field.value)) field.value.items.forEach(setFlow);
            else setFlow(field.value);
          }
        }
      }
    }
  }
  return ydoc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

function setFlow(n: unknown) {
  if (isMap(n) || isSeq(n)) n.flow = true;
}
