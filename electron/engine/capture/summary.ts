// The one-line summary of a decoded packet, in tcpdump's style:
//   IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [S], seq 123, win 64240, length 0
//   IP 198.18.0.2 > 198.18.0.11: IP 198.18.0.10.54321 > 198.18.0.100.80: Flags [S], ...   (IPIP)
import type { SummaryNotes } from './decode/context';

export function formatSummary(n: SummaryNotes, error: string | undefined): string {
  let s = n.prefix;
  const last = n.ips.length - 1;
  let frags = '';
  for (let i = 0; i <= last; i++) {
    const ip = n.ips[i];
    const v = ip.v6 ? 'IP6' : 'IP';
    if (i === last && n.ports) s += `${v} ${ip.src}.${n.ports[0]} > ${ip.dst}.${n.ports[1]}: `;
    else s += `${v} ${ip.src} > ${ip.dst}: `;
    if (ip.frag) frags += ` ${ip.frag}`;
  }
  s += n.text + frags;
  if (error) s += ` [${error}]`;
  return s;
}
