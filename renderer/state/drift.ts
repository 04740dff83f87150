// How the drawing differs from the lab that runs: nodes, networks, links and
// services added, removed or changed. Positions and descriptions are drawing
// only and never count; the running side has its live modes applied.
import type { LabDoc, LinkDoc, ServiceDoc } from '../../electron/api';
import { nodeHost } from '../lib/hosts';
import { i18n } from '../i18n';

export type ChangeKind = 'added' | 'removed' | 'changed';
export interface Change {
  what: 'host' | 'node' | 'network' | 'link' | 'service';
  kind: ChangeKind;
  /** h2, web3, front, "web1 ↔ back", web */
  name: string;
  /** for a change: the fields that differ */
  fields?: string[];
}

/** JSON with undefined dropped and object keys sorted: equal meaning, equal text. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => `${JSON.stringify(k)}:${canon(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function differing<T extends object>(a: T, b: T, fields: (keyof T)[]): string[] {
  return fields.filter((f) => canon(a[f]) !== canon(b[f])).map(String);
}

function compareRecords<T>(what: Change['what'], before: Record<string, T>, after: Record<string, T>, fieldsOf: (a: T, b: T) => string[]): Change[] {
  const out: Change[] = [];
  for (const name of Object.keys(after)) if (!(name in before)) out.push({ what, kind: 'added', name });
  for (const name of Object.keys(before)) if (!(name in after)) out.push({ what, kind: 'removed', name });
  for (const name of Object.keys(after)) {
    if (!(name in before)) continue;
    const fields = fieldsOf(before[name], after[name]);
    if (fields.length) out.push({ what, kind: 'changed', name, fields });
  }
  return out;
}

/** What changed from `running` to `drawing`; empty when Redeploy would change nothing. */
export function labDiff(running: LabDoc, drawing: LabDoc): Change[] {
  const links = (doc: LabDoc) => {
    const m: Record<string, LinkDoc> = {};
    for (const [n, node] of Object.entries(doc.nodes)) for (const l of node.links) m[`${n} ↔ ${l.network}`] = l;
    return m;
  };
  // where a node runs: its host as written, or the first host it then lands on
  const placed = (doc: LabDoc) => Object.fromEntries(Object.entries(doc.nodes).map(([n, node]) => [n, { ...node, host: nodeHost(doc, n) }]));
  const engines = (doc: LabDoc) => Object.fromEntries(Object.entries(doc.hosts ?? {}).map(([h, engine]) => [h, { engine }]));
  return [
    ...compareRecords('host', engines(running), engines(drawing), (a, b) => differing(a, b, ['engine'])),
    ...compareRecords('node', placed(running), placed(drawing), (a, b) => differing(a, b, ['kind', 'image', 'host'])),
    // a network the drawing leaves on `auto` keeps the subnet the engine chose for it (recorded in the running document)
    ...compareRecords('network', running.networks, drawing.networks, (a, b) => (b.subnet === undefined ? [] : differing(a, b, ['subnet']))),
    ...compareRecords('link', links(running), links(drawing), (a, b) => differing(a, b, ['rate', 'address'])),
    ...compareRecords<ServiceDoc>('service', running.services ?? {}, drawing.services ?? {}, (a, b) =>
      differing(a, b, ['balancer', 'vip', 'port', 'protocol', 'mode', 'scheduler', 'backends', 'routes', 'health', 'gateway', 'workers']),
    ),
  ];
}

const SIGN: Record<ChangeKind, string> = { added: '+', removed: '−', changed: '~' };

/** One short line per change: "+ node web3", "− link web1 ↔ back", "~ service web: backends, mode"
 * (in the language in use: a caller redraws it when that changes). */
export function changeLine(c: Change): string {
  const change = `${SIGN[c.kind]} ${i18n.t(`app.drift.what.${c.what}`)} ${c.name}`;
  return c.fields ? i18n.t('app.drift.fields', { change, fields: c.fields.join(', ') }) : change;
}

/** What pressing Redeploy does about these changes, in one sentence. */
export function redeployEffect(changes: Change[], running: LabDoc): string {
  const onlyModes = changes.length > 0 && changes.every((c) => c.what === 'service' && c.kind === 'changed' && c.fields?.every((f) => f === 'mode'));
  const n = Object.keys(running.nodes).length;
  const recreate = i18n.t('app.drift.recreate', { count: n });
  return onlyModes ? i18n.t('app.drift.modesLive', { recreate }) : i18n.t('app.drift.plain', { recreate });
}
