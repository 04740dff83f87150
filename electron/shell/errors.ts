// Errors cross process boundaries (IPC, HTTP) as one readable line, never a stack.
export function oneLine(text: unknown): string {
  const s = String(text ?? '').split(/\r?\n/).find((l) => l.trim() !== '') ?? 'error';
  return s.length > 500 ? `${s.slice(0, 497)}...` : s.trim();
}

export function errorLine(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : e);
}
