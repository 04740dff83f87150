// Where a node runs, in its inspector: one of the lab's hosts (the first one
// when the node names none). Absent for a lab without hosts.
import { hostNames } from '../../lib/hosts';
import { setNodeHost } from '../../state/host-ops';
import type { InspectorProps } from './context';
import { SelectField, type Choice } from './fields';

export function HostField({ doc, edit, name }: InspectorProps & { name: string }) {
  const hosts = hostNames(doc);
  const node = doc.nodes[name];
  if (!node || (!hosts.length && node.host === undefined)) return null;
  const [first, ...rest] = hosts;
  // the first host is what an absent `host` means: choosing it writes nothing
  const value = node.host === undefined || node.host === first ? '' : node.host;
  const options: Choice<string>[] = [
    ...rest.map((h) => ({ value: h, label: h })),
    ...(node.host !== undefined && !hosts.includes(node.host) ? [{ value: node.host, label: `${node.host} (not a host of this lab)`, unavailable: true }] : []),
  ];
  return (
    <SelectField<string>
      label="Host"
      testid="node-host"
      path={`nodes.${name}.host`}
      value={value}
      options={options}
      allowEmpty={first !== undefined ? `${first} (first host)` : '(first host)'}
      hint="The Docker engine this node runs on (lab settings list the hosts)."
      onChange={(v) => edit(setNodeHost(doc, name, v || undefined))}
    />
  );
}
