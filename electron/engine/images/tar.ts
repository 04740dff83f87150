// A minimal ustar writer for Docker build contexts: a few dozen small files,
// built in memory. Fixed mtime/uid so identical sources give identical
// contexts (and the classic builder's COPY cache hits).
export interface TarEntry { name: string; data: Buffer; mode?: number }

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number): Buffer {
  const b = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for a tar entry: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  b.write(base, 0, 100);
  b.write(octal(mode, 8), 100);
  b.write(octal(0, 8), 108); // uid
  b.write(octal(0, 8), 116); // gid
  b.write(octal(size, 12), 124);
  b.write(octal(0, 12), 136); // mtime
  b.write('        ', 148); // checksum placeholder: 8 spaces
  b.write('0', 156); // regular file
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.write(prefix, 345, 155);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7) + ' ', 148);
  return b;
}

export function tarPack(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e.name, e.data.length, e.mode ?? 0o644), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024)); // end of archive
  return Buffer.concat(parts);
}
