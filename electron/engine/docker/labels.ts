// Every Docker object lblab creates carries these labels; cleanup finds objects by label, never by name.
export const LABEL = {
  managed: 'io.lblab.managed',
  lab: 'io.lblab.lab',
  node: 'io.lblab.node',
  role: 'io.lblab.role',
  network: 'io.lblab.network',
  image: 'io.lblab.image',
  hash: 'io.lblab.hash',
  /** the deployed lab document, base64 JSON (labels are immutable: live mode changes live in the anchor node, see labs/lab-record.ts) */
  doc: 'io.lblab.doc',
  /** hash of what a container was created with (image, addresses, sysctls, capabilities): a redeploy keeps a node whose spec is unchanged */
  spec: 'io.lblab.spec',
  /** the lab file's host a container or network was made on (a lab spread over engines) */
  host: 'io.lblab.host',
  /** a never-started marker container on the first host: what `down` could not remove on an unreachable host (labs/leftovers.ts) */
  leftovers: 'io.lblab.leftovers',
} as const;

export function labLabels(lab: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.lab]: lab, ...extra };
}

/** Docker filter for objects of one lab, or of every lab when `lab` is omitted. */
export function labFilter(lab?: string): { label: string[] } {
  return { label: lab ? [`${LABEL.managed}=true`, `${LABEL.lab}=${lab}`] : [`${LABEL.managed}=true`] };
}

export const containerName = (lab: string, node: string) => `lblab-${lab}-${node}`;
export const networkName = (lab: string, net: string) => `lblab-${lab}-${net}`;
