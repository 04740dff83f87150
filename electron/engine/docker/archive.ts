// Read a small file out of a container whether it runs or not: Docker's
// archive API (what `docker cp` uses) works on a stopped container, where an
// exec cannot run. The lab record of a lab whose containers stopped (an engine
// restart) is read this way.
import { containerRef } from './placement';

/** The first regular file of a tar archive, or undefined (PAX and GNU long-name headers are skipped). */
export function firstTarFile(tar: Buffer): Buffer | undefined {
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return undefined; // end of archive
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156]);
    const data = at + 512;
    if (type === '0' || type === '\0') return tar.subarray(data, data + size);
    at = data + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** A file of a container (running or stopped) as text; undefined when it is missing or unreadable. */
export async function readContainerFile(container: string, file: string): Promise<string | undefined> {
  try {
    const stream = await containerRef(container).getArchive({ path: file });
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    return firstTarFile(Buffer.concat(chunks))?.toString('utf8');
  } catch {
    return undefined;
  }
}
