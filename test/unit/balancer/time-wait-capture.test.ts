// The churn test's reading of tcpdump lines: a SYN whose next answer is a bare ACK met a TIME_WAIT.
import { describe, expect, it } from 'vitest';
import { synsAnsweredByAck } from '../../support/time-wait-capture';

const syn = (peer: string) => `12:00:00.000001 eth0  In  IP ${peer} > 198.19.120.11.80: Flags [S], seq 1, win 64240, length 0`;
const synAck = (peer: string) => `12:00:00.000002 eth0  Out IP 198.19.120.11.80 > ${peer}: Flags [S.], seq 9, ack 2, win 65160, length 0`;
const ack = (peer: string) => `12:00:00.000003 eth0  Out IP 198.19.120.11.80 > ${peer}: Flags [.], ack 77, win 502, length 0`;

describe('synsAnsweredByAck', () => {
  it('counts a SYN answered by a bare ACK, not one answered by a SYN-ACK, nor a bare ACK without a SYN before it', () => {
    const r = synsAnsweredByAck([
      syn('198.19.120.2.1024'), synAck('198.19.120.2.1024'), ack('198.19.120.2.1024'), // a new connection, later its FIN's ACK
      syn('198.19.120.254.1025'), ack('198.19.120.254.1025'), // TIME_WAIT answered
      syn('198.19.120.2.1026'), ack('198.19.120.2.1027'), synAck('198.19.120.2.1026'), // another peer's ACK in between
      'tcpdump: verbose output suppressed',
    ]);
    expect(r.syns).toBe(3);
    expect(r.ackAnswers).toBe(1);
    expect(r.examples[0]).toContain('198.19.120.254.1025');
    expect([...r.peers].sort()).toEqual(['198.19.120.2', '198.19.120.254']);
  });
});
