// Saved comparisons: one JSON file per comparison in the user's data folder,
// written atomically (temp file + rename) after every run, so a comparison
// cut short — or a process that died — still leaves what it measured.
//   LBLAB_DATA_DIR (tests) > the folder the shell passes (Electron's userData)
//   > $XDG_DATA_HOME/lblab, ~/.local/share/lblab (Linux),
//     ~/Library/Application Support/lblab (macOS), %APPDATA%/lblab (Windows)
// and comparisons/ inside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ApiError, COMPARE_ROWS, comparisonIdSchema, type Comparison, type ComparisonInfo } from '../../api';

export function dataDir(given?: string): string {
  if (process.env.LBLAB_DATA_DIR) return path.resolve(process.env.LBLAB_DATA_DIR);
  if (given) return path.resolve(given);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'lblab');
  if (process.platform === 'win32') return path.join(process.env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'lblab');
  return path.join(process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'lblab');
}

/** Enough of a Comparison to list and show it; the rest passes through as saved. */
const savedSchema = z
  .object({
    id: comparisonIdSchema,
    lab: z.string(),
    service: z.string(),
    complete: z.boolean(),
    startedAt: z.string(),
    workload: z.object({ modes: z.array(z.enum(COMPARE_ROWS)) }).passthrough(),
    summary: z.array(z.unknown()),
    runs: z.array(z.unknown()),
  })
  .passthrough();

export class ComparisonStore {
  readonly dir: string;
  constructor(dir?: string) {
    this.dir = path.join(dataDir(dir), 'comparisons');
  }

  private file(id: string): string {
    if (!comparisonIdSchema.safeParse(id).success) throw new ApiError(`${JSON.stringify(id)} is not a comparison id`, 'bad-request');
    return path.join(this.dir, `${id}.json`);
  }

  save(c: Comparison): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = this.file(c.id);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }

  load(id: string): Comparison {
    const file = this.file(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new ApiError(`no comparison ${id} (in ${this.dir})`, 'not-found');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(`comparison ${id}: ${file} is not JSON`, 'engine');
    }
    const r = savedSchema.safeParse(parsed);
    if (!r.success) throw new ApiError(`comparison ${id}: ${file} is not a saved comparison (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`, 'engine');
    return r.data as unknown as Comparison;
  }

  /** Every readable saved comparison, newest first (unreadable files are skipped). */
  list(): ComparisonInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    const out: ComparisonInfo[] = [];
    for (const f of names) {
      try {
        const c = this.load(f.slice(0, -'.json'.length));
        out.push({ id: c.id, lab: c.lab, service: c.service, startedAt: c.startedAt, complete: c.complete, modes: c.workload.modes });
      } catch {
        // a foreign or half-written file: not a comparison to list
      }
    }
    return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? 1 : -1));
  }
}

/** A new comparison id: sortable by time, readable, unique enough (`20261127T101500Z-lab-a1b2`). */
export function newComparisonId(lab: string, at: Date, rand: () => string = () => Math.random().toString(36).slice(2, 6)): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${lab}-${rand()}`;
}
