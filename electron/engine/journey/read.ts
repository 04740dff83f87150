// The captured files as frames: each record decoded, stamped with where it
// was seen (node, interface and that interface's MAC) and when (ns).
import { decodePacket } from '../capture/decode/index';
import { readPcap } from '../capture/pcap-reader';
import type { CapturedFile } from './capture-all';
import type { Frame } from './frame';

export function framesOf(files: CapturedFile[]): Frame[] {
  const out: Frame[] = [];
  for (const f of files) {
    const { header, records } = readPcap(f.pcap);
    for (const rec of records) {
      out.push({
        node: f.node,
        iface: f.iface,
        mac: f.mac,
        ts: BigInt(rec.sec) * 1_000_000_000n + BigInt(rec.nsec),
        raw: rec.data,
        packet: decodePacket(rec, { linktype: header.linktype }),
      });
    }
  }
  return out;
}
