// Reading the eBPF core's C headers from the tests that hold them to the
// TypeScript side (C cannot import TS, so a test compares the two).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The text of lab-images/balancer/core/<name>. */
export const coreHeader = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../lab-images/balancer/core/${name}`, import.meta.url)), 'utf8');

/** Every `#define NAME <decimal>` of a header. */
export const cDefines = (header: string): Map<string, number> =>
  new Map([...header.matchAll(/^#define\s+([A-Z][A-Z0-9_]*)\s+(\d+)\b/gm)].map((m) => [m[1], Number(m[2])]));

/** The field names of `struct name { ... }`, in order. */
export function structFields(header: string, name: string): string[] {
  const body = new RegExp(`^struct ${name} \\{([^}]*)\\};`, 'm').exec(header)?.[1];
  if (body === undefined) return [];
  return [...body.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/(\w+)\s*(?:\[[^\]]*\])?\s*;/g)].map((m) => m[1]);
}
