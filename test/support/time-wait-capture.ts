// Reading a server's capture for SYNs that met an old connection's TIME_WAIT:
// Linux answers such a SYN (one it does not accept as a new connection) with
// a bare ACK carrying the old connection's sequence numbers, not a SYN-ACK.
// On a server: SYNs to port 80, and the server's bare ACKs (no payload) from it. A SYN whose next answer
// to the same peer (snat address:port) is a bare ACK rather than a SYN-ACK met an old connection's TIME_WAIT.
export const CAPTURE_FILTER = 'tcp port 80 and ((tcp[tcpflags] & tcp-syn != 0) or ' +
  '(src port 80 and tcp[tcpflags] == tcp-ack and ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) == 0))';
const LINE = /IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): Flags \[([^\]]*)\]/;

/** From a capture's lines: SYNs seen, SYNs answered by a bare ACK, and the peers' addresses. */
export function synsAnsweredByAck(lines: string[]): { syns: number; ackAnswers: number; examples: string[]; peers: Set<string> } {
  const waiting = new Map<string, string>(); // peer → its SYN's line, until the server answers it
  let syns = 0;
  let ackAnswers = 0;
  const examples: string[] = [];
  const peers = new Set<string>();
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, src, sport, dst, dport, flags] = m;
    if (dport === '80' && flags === 'S') {
      syns++;
      peers.add(src);
      waiting.set(`${src}.${sport}`, line);
    } else if (sport === '80') {
      const peer = `${dst}.${dport}`;
      const syn = waiting.get(peer);
      if (syn === undefined) continue;
      waiting.delete(peer);
      if (flags === '.') {
        ackAnswers++;
        if (examples.length < 5) examples.push(`${syn.trim()}\n  answered by ${line.trim()}`);
      }
    }
  }
  return { syns, ackAnswers, examples, peers };
}
