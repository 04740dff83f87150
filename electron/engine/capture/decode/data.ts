// Bytes no decoder claims: Wireshark's "Data" layer.
import type { DecodeContext } from './context';

/** A 'data' layer over [off, wireEnd) (captured part only); nothing when empty. */
export function decodeData(ctx: DecodeContext, off: number, wireEnd: number): void {
  const wire = wireEnd - off;
  if (wire <= 0) return;
  const cap = Math.max(0, Math.min(wireEnd, ctx.end) - off);
  ctx.layer('data', off, cap);
  if (!ctx.tree) return;
  if (cap > 0) {
    ctx.bytes('data.data', off, cap);
  }
  ctx.f('data.len', wire, String(wire), off, 0);
}
