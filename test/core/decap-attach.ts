// Attach the tunnel-mode decapsulator (lab-images/server/decap) on a test
// "server" namespace. Servers have no Node; in the lab they run the same tc
// commands (lab-images/server/decap/README.md):
//   tc qdisc replace dev eth0 clsact
//   tc filter replace dev eth0 ingress pref 100 handle 1 bpf object-file decap.bpf.o section tc direct-action
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function attachDecap(opts: { objPath: string; interfaces: string[]; netns?: string }): void {
  if (!existsSync(opts.objPath)) throw new Error(`decap object not found: ${opts.objPath}`);
  const tc = (args: string[]) =>
    opts.netns ? execFileSync('ip', ['netns', 'exec', opts.netns, 'tc', ...args], { stdio: 'pipe' }) : execFileSync('tc', args, { stdio: 'pipe' });
  for (const dev of opts.interfaces) {
    tc(['qdisc', 'replace', 'dev', dev, 'clsact']);
    tc(['filter', 'replace', 'dev', dev, 'ingress', 'pref', '100', 'handle', '1', 'bpf', 'object-file', opts.objPath, 'section', 'tc', 'direct-action']);
  }
}
