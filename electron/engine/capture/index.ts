// The capture engine's public surface: pcap in and out, decoding, the ring,
// TCP stream numbering and display filters. No Docker here: the streaming
// of tcpdump from containers builds on these.
export { LINKTYPE, PcapFormatError, PcapReader, parsePcapHeader, readPcap, type PcapHeader, type PcapRecord } from './pcap-reader';
export { pcapFileHeader, pcapRecordBytes, writePcap, writeRecordHeader, type PcapWriteOptions } from './pcap-writer';
export { decodePacket, recordTimeUs, type DecodeOptions } from './decode/index';
export { locateTcp, type TcpSegmentKey } from './decode/locate';
export { formatSummary } from './summary';
export { PacketRing, type RingOptions, type RingStats } from './ring';
export { TcpStreams } from './tcp-streams';
export {
  CAPTURE_FIELDS, CAPTURE_PROTOCOLS, DisplayFilterError, checkFilter, compileFilter, field, fieldValues,
  type CompiledFilter, type FieldKind, type PacketPredicate, fieldLayer,
} from './display-filter';
