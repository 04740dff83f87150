// Find a lab's node container by label (never by name).
import type Docker from 'dockerode';
import { docker } from '../docker/client';
import { LABEL, labFilter } from '../docker/labels';
import { EngineError } from '../errors';

export async function nodeContainer(lab: string, node: string, opts: { running?: boolean } = {}): Promise<Docker.ContainerInfo> {
  const filter = labFilter(lab);
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [...filter.label, `${LABEL.node}=${node}`] }) });
  const c = list[0];
  if (!c) {
    const any = await docker().listContainers({ all: true, filters: JSON.stringify(filter) });
    if (!any.length) throw new EngineError(`no lab named ${lab} (see \`lblab status\` / \`docker ps\`)`, 'not-found');
    const nodes = any.map((x) => x.Labels?.[LABEL.node]).filter(Boolean).sort();
    throw new EngineError(`lab ${lab} has no node ${node} (nodes: ${nodes.join(', ')})`, 'not-found');
  }
  if (opts.running && c.State !== 'running') throw new EngineError(`node ${node} of lab ${lab} is not running (${c.State})`, 'conflict');
  return c;
}
