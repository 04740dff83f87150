// A sentence kept in state (an error, a notice) is kept as what it says, not
// as words: its catalog key and values, put into words when it is drawn, so a
// language switched live redraws it in the new one at once. The engine's own
// lines stay English and are kept as they came.
import type { ParseKeys } from 'i18next';
import { i18n } from './index';

type Value = string | number | Said;
export type Said = { key: ParseKeys; values?: Record<string, Value> } | { line: string };

/** The sentence of catalog key `key` with `values` (a value may itself be a kept sentence). */
export const say = (key: ParseKeys, values?: Record<string, Value>): Said => ({ key, values });
/** A line kept as it came (the engine's words). */
export const asIs = (line: string): Said => ({ line });

/** Whether two kept sentences say the same (a repeated notice, a failure seen again). */
export const sameSaid = (a: Said, b: Said): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The sentence in the language in use now. */
export function words(s: Said): string {
  if ('line' in s) return s.line;
  const values = s.values && Object.fromEntries(Object.entries(s.values).map(([k, v]) => [k, typeof v === 'object' ? words(v) : v]));
  return i18n.t(s.key, values ?? {});
}
