// Which images get the capabilities a node needs. Every node runs the
// plumbing script (routes, shaping: NET_ADMIN); balancers and service
// backends also load BPF (SYS_ADMIN). lblab's own images are made for that;
// any other image gets them only when the lab file says `trust: true` on its
// node — otherwise validation refuses it, before anything is created.
import type { LabDoc } from '../../api';
import { IMAGE_NAMES } from '../images/names';

/** lblab/<client|server|balancer|router>, bare (resolved to its content-hash tag) or with a tag. */
const OWN_IMAGE_RE = new RegExp(`^lblab/(${IMAGE_NAMES.join('|')})(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`);

/** A node without `image` runs lblab's own image for its kind. */
export const isOwnImage = (image: string | undefined): boolean => image === undefined || OWN_IMAGE_RE.test(image);

export const OWN_IMAGES = IMAGE_NAMES.map((n) => `lblab/${n}`);

/** The capabilities a node's container is created with: fixed at create, so SYS_ADMIN goes to every
 * backend of any service (a live switch to tunnel loads the decap program without a redeploy). */
export function nodeCapabilities(doc: LabDoc, node: string): string[] {
  const caps = ['NET_ADMIN'];
  const backend = Object.values(doc.services ?? {}).some((s) => s.backends.some((b) => (typeof b === 'string' ? b : b.node) === node));
  if (doc.nodes[node]?.kind === 'balancer' || backend) caps.push('SYS_ADMIN');
  return caps;
}

/** Why a node may not run its image, or undefined when it may. */
export function untrustedImage(doc: LabDoc, node: string): string | undefined {
  const nd = doc.nodes[node];
  if (!nd || isOwnImage(nd.image) || nd.trust === true) return undefined;
  const caps = nodeCapabilities(doc, node).join(' and ');
  return `node ${node}: image "${nd.image}" is not one of lblab's own (${OWN_IMAGES.join(', ')}) and would run with ${caps}; add "trust: true" to node ${node} to allow it`;
}

/** One line for a capability grant to a trusted foreign image. */
export const grantLine = (g: { node: string; image: string; capAdd: string[] }, lab: string) =>
  `lab ${lab}: node ${g.node} runs image ${g.image} with ${g.capAdd.join(' and ')} (trust: true)`;
