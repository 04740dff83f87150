// `lblab engines` as a table: one row per engine, then what could not be read.
import type { EngineDescription } from '../api';
import { table } from './format';

const gib = (b?: number) => (b === undefined ? '-' : `${(b / 2 ** 30).toFixed(1)} GiB`);

export function formatEngines(engines: EngineDescription[], problems: string[] = []): string {
  const rows = [['', 'NAME', 'HOST', 'ANSWERS', 'KERNEL', 'CPUS', 'MEMORY', 'EBPF']];
  for (const e of engines) {
    rows.push([
      e.current ? '*' : '',
      e.name,
      `${e.host}${e.tls ? ` (tls${e.tls === 'verify' ? '' : ', not verified'})` : ''}`,
      e.answers ? `yes (Docker ${e.serverVersion ?? '?'})` : 'no',
      e.kernel ?? '-',
      e.cpus === undefined ? '-' : String(e.cpus),
      gib(e.memoryBytes),
      e.ebpf ? (e.ebpf.ok ? 'yes' : 'no') : '-',
    ]);
  }
  const out = [table(rows)];
  const notes = engines.flatMap((e) => (e.problem ? [`${e.name}: ${e.problem}`] : e.ebpf ? [`${e.name}: eBPF: ${e.ebpf.checked}`] : []));
  if (notes.length || problems.length) out.push('', ...notes, ...problems);
  return out.join('\n');
}
