// Image references: lblab/<name>:<hash of its build inputs>. Same sources,
// same tag; any change to a Dockerfile, a config, the BPF sources, the agent
// (and what it bundles) or the base recipe gives a new tag.
import { bundleAgent } from './agent-bundle';
import { hashContext } from './hash';
import { contextDir, labImagesDir, type ImageName } from './names';

export const REPO = 'lblab';

export function baseHash(root = labImagesDir()): string {
  return hashContext(contextDir('base', root));
}

export function imageHash(name: ImageName, root = labImagesDir()): string {
  const extra: (string | Buffer)[] = [`base:${baseHash(root)}`];
  if (name === 'balancer') {
    let agent: Buffer | undefined;
    try {
      agent = bundleAgent(contextDir('balancer', root));
    } catch (e) {
      // A broken agent must not break every imageRef() caller: the build reports it.
      agent = Buffer.from(`unbundlable:${(e as Error).message}`);
    }
    if (agent) extra.push(agent);
  }
  return hashContext(contextDir(name, root), extra);
}

export function imageRef(name: ImageName, root?: string): string {
  return `${REPO}/${name}:${imageHash(name, root)}`;
}

export const baseRef = (root?: string) => `${REPO}/base:${baseHash(root)}`;
