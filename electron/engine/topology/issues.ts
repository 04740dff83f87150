// Issues as data (LabIssue) and as the one line a person reads:
// `<file>: <field path>: <reason>`.
import type { LabIssue } from '../../api';

/** ['nodes','web1','links',0,'network'] → "nodes.web1.links[0].network" */
export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

/** Build an issue and attribute it to the node / network / service its path points into. */
export function issue(path: (string | number)[], message: string, extra: Partial<LabIssue> = {}): LabIssue {
  const i: LabIssue = { path, message };
  const [top, key] = path;
  if (typeof key === 'string') {
    if (top === 'nodes') i.node = key;
    else if (top === 'networks') i.network = key;
    else if (top === 'services') i.service = key;
  }
  return { ...i, ...extra };
}

/** One line, never more: newlines inside messages (e.g. from the YAML parser) are folded. */
export function issueLine(i: LabIssue, file?: string): string {
  const where = formatPath(i.path);
  const msg = i.message.replace(/\s*\n\s*/g, ' ').trim();
  return [file, where, msg].filter((s) => s).join(': ');
}

/** The error every loader/planner throws: message is exactly one line naming file, field and reason. */
export class LabFileError extends Error {
  constructor(
    readonly issues: LabIssue[],
    readonly file?: string,
  ) {
    super(issueLine(issues[0] ?? { path: [], message: 'invalid lab' }, file));
    this.name = 'LabFileError';
  }
}

const at = (root: unknown, path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), root);
const nameOf = (v: unknown) => (typeof v === 'string' && v ? v : v && typeof v === 'object' && typeof (v as { node?: unknown }).node === 'string' ? (v as { node: string }).node : undefined);

/**
 * The element a field path points into, as people say it: "client1's link to
 * front", "network back", "service web, backend web3", "service web's health
 * check". `root` is the document as given (names of links and backends are read
 * from it); empty when the message speaks for the lab as a whole.
 */
export function describeWhere(path: (string | number)[], root: unknown): string {
  const [top, name, field, index, sub, subIndex] = path;
  // a whole section ("the lab has no nodes") speaks for itself; a lab field (name) is the lab's
  if (typeof name !== 'string') return path.length && !['nodes', 'networks', 'services'].includes(String(top)) ? 'the lab' : '';
  if (top === 'networks') return `network ${name}`;
  if (top === 'nodes') {
    if (field !== 'links' || typeof index !== 'number') return name;
    const net = nameOf(at(root, ['nodes', name, 'links', index, 'network']));
    return net ? `${name}'s link to ${net}` : `${name}'s link ${index + 1}`;
  }
  if (top !== 'services') return 'the lab';
  const svc = `service ${name}`;
  const backend = (p: (string | number)[], i: number) => `backend ${nameOf(at(root, p)) ?? i + 1}`;
  if (field === 'backends' && typeof index === 'number') return `${svc}, ${backend(['services', name, 'backends', index], index)}`;
  if (field === 'routes' && typeof index === 'number') {
    const route = `${svc}, route ${index + 1}`;
    return sub === 'backends' && typeof subIndex === 'number' ? `${route}, ${backend(['services', name, 'routes', index, 'backends', subIndex], subIndex)}` : route;
  }
  if (field === 'health') return `${svc}'s health check`;
  return svc;
}

/** The issues with `where` filled in from the document they are about. */
export function locate(issues: LabIssue[], root: unknown): LabIssue[] {
  return issues.map((i) => (i.where === undefined ? { ...i, where: describeWhere(i.path, root) } : i));
}

/** The one line a person reads in the app: where, then what is wrong. */
export function issueSentence(i: LabIssue): string {
  return i.where ? `${i.where}: ${i.message}` : i.message;
}
