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
