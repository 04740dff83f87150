// Find a lab's node container by label (never by name), on whichever of the lab's engines holds it.
import type Docker from 'dockerode';
import { LABEL } from '../docker/labels';
import { EngineError } from '../errors';
import { nodeHost } from '../topology/hosts';
import { docOf, labObjects } from './lab-record';

export async function nodeContainer(lab: string, node: string, opts: { running?: boolean } = {}): Promise<Docker.ContainerInfo> {
  const objs = await labObjects(lab);
  const c = objs.containers.find((x) => x.Labels?.[LABEL.node] === node);
  if (!c) {
    if (!objs.containers.length) throw new EngineError(`no lab named ${lab} (see \`lblab status\` / \`docker ps\`)`, 'not-found');
    const doc = docOf(objs);
    const gone = doc?.nodes[node] && objs.unreachable?.find((u) => u.host === nodeHost(doc, node));
    if (gone) throw new EngineError(`node ${node} of lab ${lab} is out of reach: host ${gone.host} does not answer (${gone.problem})`, 'engine');
    const nodes = objs.containers.map((x) => x.Labels?.[LABEL.node]).filter(Boolean).sort();
    throw new EngineError(`lab ${lab} has no node ${node} (nodes: ${nodes.join(', ')})`, 'not-found');
  }
  if (opts.running && c.State !== 'running') throw new EngineError(`node ${node} of lab ${lab} is not running (${c.State})`, 'conflict');
  return c;
}
