// Problems by field: the inspector's fields read theirs (a red field with the
// message under it), and a problem pressed in the Problems list focuses the
// field it is about.
import { createContext, useContext } from 'react';

/** Formatted field path ("nodes.web1.links[0].rate") → its problems. */
export const FieldIssues = createContext<Map<string, string[]>>(new Map());
export const useFieldIssues = (path: string | undefined) => {
  const m = useContext(FieldIssues);
  return path ? m.get(path) : undefined;
};

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);

/**
 * Focus the field of `root` a problem at `path` is about, and make it flash:
 * the field with exactly that path, else the deepest field containing it (a
 * list's "add" select), else the first field inside it (a backend's weight).
 */
export function focusField(root: ParentNode, path: string): HTMLElement | undefined {
  const fields = [...root.querySelectorAll<HTMLElement>('[data-field-path]')];
  const at = (el: HTMLElement) => el.dataset.fieldPath ?? '';
  const target =
    fields.find((el) => at(el) === path) ??
    fields.filter((el) => within(path, at(el))).sort((a, b) => at(b).length - at(a).length)[0] ??
    fields.find((el) => within(at(el), path));
  if (!target) return undefined;
  const control = target.querySelector<HTMLElement>('input, select, textarea') ?? target;
  control.focus();
  target.scrollIntoView?.({ block: 'nearest' });
  target.classList.remove('flash');
  void target.offsetWidth; // restart the animation when the same field is pressed again
  target.classList.add('flash');
  return target;
}
