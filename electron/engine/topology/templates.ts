// Example labs (labs/*.lab.yaml) offered as templates by the UI and the CLI.
// The folder is found relative to this module in a checkout; packaged apps
// (where the bundle lives elsewhere) point LBLAB_LABS_DIR at their copy.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NAME_RE, type LabDoc, type TemplateInfo } from '../../api';
import { LabFileError } from './issues';
import { parseLabText } from './load';

const SUFFIX = '.lab.yaml';

export function labsDir(): string {
  if (process.env.LBLAB_LABS_DIR) return path.resolve(process.env.LBLAB_LABS_DIR);
  const candidates: string[] = [];
  try {
    candidates.push(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs'));
  } catch {
    // bundled without a file URL: fall through to the working directory
  }
  candidates.push(path.resolve(process.cwd(), 'labs'));
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

function readTemplate(file: string): LabDoc {
  const r = parseLabText(fs.readFileSync(file, 'utf8'), file);
  if (!r.doc || r.issues.length) throw new LabFileError(r.issues, file);
  return r.doc;
}

/** One entry per example lab; `mode` is the service's mode, or multi-tier when it has several services. */
export function listTemplates(): TemplateInfo[] {
  const dir = labsDir();
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .sort()
    .map((f) => {
      const doc = readTemplate(path.join(dir, f));
      const services = Object.values(doc.services ?? {});
      const description = doc.description?.trim() ?? '';
      return {
        id: f.slice(0, -SUFFIX.length),
        title: description.split(/[.\n]/)[0].trim() || doc.name,
        mode: services.length === 1 ? services[0].mode : 'multi-tier',
        description,
      };
    });
}

/** The example lab `id` (file name without .lab.yaml); undefined when there is none. */
export function getTemplate(id: string): LabDoc | undefined {
  if (!NAME_RE.test(id)) return undefined; // never a path: ids are plain names
  const file = path.join(labsDir(), id + SUFFIX);
  if (!fs.existsSync(file)) return undefined;
  return readTemplate(file);
}
