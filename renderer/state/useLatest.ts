// The newest committed value, for async work that outlives the render it
// started in (a save after a dialog, a rollback after a refused call). Written
// after each commit, never during render.
import { useLayoutEffect, useRef } from 'react';

export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
