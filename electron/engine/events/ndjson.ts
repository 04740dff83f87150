// Docker's event stream is newline-delimited JSON whose chunks may split a
// record anywhere (even inside a multi-byte character): buffer bytes until a
// newline, then parse each complete line.
export class NdjsonSplitter {
  private buf = Buffer.alloc(0);

  /** Feed one chunk; returns the records completed by it (unparseable lines are skipped). */
  push(chunk: Buffer | string): unknown[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: unknown[] = [];
    for (let nl = this.buf.indexOf(10); nl >= 0; nl = this.buf.indexOf(10)) {
      const line = this.buf.subarray(0, nl).toString('utf8').trim();
      this.buf = this.buf.subarray(nl + 1);
      if (!line) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // a corrupt line must not stop the stream
      }
    }
    return out;
  }
}
