// The balancer's control agent is TypeScript (lab-images/balancer/agent/,
// plus the host↔agent contract it imports from lab-images/balancer/contract/);
// the image runs Debian's nodejs, so the agent is bundled into one ESM file
// (lbagent.mjs, dependencies included) before the image build.
import { buildSync } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { contextFiles } from './hash';

export const AGENT_ENTRY = path.join('agent', 'main.ts');
/** Folders of the balancer context whose TypeScript goes into the bundle (and not into the context as is). */
export const AGENT_SOURCE_DIRS = ['agent', 'contract'];

// CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
const BANNER = "import { createRequire as __lblabCreateRequire } from 'node:module';\nconst require = __lblabCreateRequire(import.meta.url);";

let memo: { key: string; code: Buffer } | undefined;

/** Source signature: cheap (stat only), so repeated imageRef() calls do not re-bundle. */
function signature(balancerDir: string): string {
  return AGENT_SOURCE_DIRS.flatMap((sub) => {
    const dir = path.join(balancerDir, sub);
    return contextFiles(dir).map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return `${sub}/${f}:${st.size}:${st.mtimeMs}`;
    });
  }).join('|');
}

/** Bundle agent/main.ts; undefined when the entry does not exist (yet). Throws one line on a bundling error. */
export function bundleAgent(balancerDir: string): Buffer | undefined {
  const entry = path.join(balancerDir, AGENT_ENTRY);
  if (!fs.existsSync(entry)) return undefined;
  const key = `${balancerDir}#${signature(balancerDir)}`;
  if (memo?.key === key) return memo.code;
  try {
    const res = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'esm',
      outfile: 'lbagent.mjs',
      write: false,
      banner: { js: BANNER },
      logLevel: 'silent',
      legalComments: 'none',
    });
    const code = Buffer.from(res.outputFiles[0].contents);
    memo = { key, code };
    return code;
  } catch (e) {
    const err = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors?.[0];
    const where = err?.location ? `${err.location.file}:${err.location.line}: ` : '';
    throw new Error(`bundling the balancer agent failed: ${where}${err?.text ?? (e as Error).message}`);
  }
}
