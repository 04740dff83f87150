// Decoded packets as the engine hands them to the renderer (the Captures
// panel, the packet journey). Types only: the decoder lives in
// electron/engine/capture/. Field and layer names are Wireshark's
// display-filter names (`ip.src`, `tcp.flags.syn`, ...), so a filter typed in
// the UI reads like one typed in Wireshark.

/** A field's value: numbers for integers, strings for addresses (dotted IPv4, colon MAC), text and bytes (lowercase hex), booleans for flags. */
export type CaptureValue = number | string | boolean;

export interface CaptureField {
  /** Wireshark display-filter name, e.g. `tcp.srcport` */
  name: string;
  value: CaptureValue;
  /** the value as the tree shows it, e.g. `0x0012 (SYN, ACK)` */
  display: string;
  /** where the field lies in the frame, in bytes (length 0: a computed field, e.g. `tcp.len`) */
  offset: number;
  length: number;
}

export interface CaptureLayer {
  /** protocol name: 'frame' | 'sll' | 'eth' | 'vlan' | 'arp' | 'ip' | 'tcp' | 'udp' | 'icmp' | 'http' | 'data' */
  name: string;
  offset: number;
  length: number;
  fields: CaptureField[];
}

/** The packet at a glance: what the packet journey matches hop to hop. IPv4 values are the innermost header's. */
export interface PacketBrief {
  /** the transport seen: 'tcp' | 'udp' | 'icmp' | 'arp', 'ip' for other IPv4 protocols and later fragments, else the link layer ('eth' | 'sll' | 'frame') */
  proto: string;
  ethSrc?: string;
  ethDst?: string;
  vlan?: number;
  src?: string;
  dst?: string;
  ipProto?: number;
  ipId?: number;
  ttl?: number;
  /** the outer header of an IPIP packet */
  outer?: { src: string; dst: string; id: number; ttl: number };
  sport?: number;
  dport?: number;
  /** TCP flags byte (FIN 0x01 ... CWR 0x80) */
  tcpFlags?: number;
  seq?: number;
  ack?: number;
  icmpType?: number;
  icmpCode?: number;
  /** bytes of L4 payload on the wire (TCP segment data, UDP data) */
  payloadLength?: number;
}

export interface DecodedPacket {
  /** frame number in its capture (1-based), when known */
  number?: number;
  /** capture time, microseconds since the epoch */
  ts: number;
  /** bytes captured (≤ len when the capture's snaplen cut the frame) */
  caplen: number;
  /** bytes on the wire */
  len: number;
  /** outermost first; an IPIP packet has two 'ip' layers */
  layers: CaptureLayer[];
  /** one line in tcpdump's style */
  summary: string;
  brief: PacketBrief;
  /** the first thing found truncated or malformed (one line); the layers hold what could be decoded */
  error?: string;
  /** the captured bytes as lowercase hex, when asked for (the hex view) */
  bytes?: string;
}
