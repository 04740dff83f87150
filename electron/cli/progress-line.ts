// One progress line on stderr: rewritten in place on a terminal, one line per
// step otherwise (logs and tests read it).
export function progressPrinter(prefix: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = !!stream.isTTY;
  let last = '';
  return {
    update(p: { step: string; done: number; total: number }) {
      const line = `${prefix} [${p.done}/${p.total}] ${p.step}`;
      if (line === last) return;
      last = line;
      if (tty) stream.write(`\r\x1b[K${line.slice(0, (stream.columns || 100) - 1)}`);
      else stream.write(`${line}\n`);
    },
    done() {
      if (tty && last) stream.write('\r\x1b[K');
      last = '';
    },
  };
}
