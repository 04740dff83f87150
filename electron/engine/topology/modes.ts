// Which modes a service could run in on a topology, and why not: the same
// checks as validation, run once per mode. A problem every mode shares (a node
// without links) is not a reason against any one mode; what only some modes
// trip over is.
import { MODES, type ModeAvailability } from '../../api';
import { issueSentence } from './issues';
import { schemaCheck } from './schema-check';
import { validateLab } from './validate';

/** One entry per mode, in MODES order; empty when the document does not pass the schema or has no such service. */
export function modeAvailability(input: unknown, service: string): ModeAvailability[] {
  const { doc } = schemaCheck(input);
  if (!doc?.services?.[service]) return [];
  const key = (i: { path: (string | number)[]; message: string }) => `${i.path.join('.')}\n${i.message}`;
  const per = MODES.map((mode) => ({ mode, issues: validateLab(doc, { modes: { [service]: mode } }).issues }));
  const everywhere = per.map((p) => new Set(p.issues.map(key))).reduce((a, b) => new Set([...a].filter((k) => b.has(k))));
  return per.map(({ mode, issues }) => {
    const own = issues.find((i) => !everywhere.has(key(i)));
    return own ? { mode, ok: false, reason: issueSentence(own) } : { mode, ok: true };
  });
}
