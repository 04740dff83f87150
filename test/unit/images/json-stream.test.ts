// Docker's build/pull progress is newline-delimited JSON that may split
// anywhere; an `error` event must be seen even though the stream ends normally.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventError, readJsonStream } from '../../../electron/engine/images/docker-ops';

describe('readJsonStream', () => {
  it('reassembles objects split across chunks and finds the error event', async () => {
    const s = new PassThrough();
    const seen: string[] = [];
    const done = readJsonStream(s, (e) => seen.push(e.stream ?? eventError(e) ?? '?'));
    const text =
      '{"stream":"Step 1/2 : FROM x\\n"}\r\n{"stream":"Step 2/2 : RUN false\\n"}\n' +
      '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c false\' returned a non-zero code: 1"},"error":"The command \'/bin/sh -c false\' returned a non-zero code: 1"}';
    for (let i = 0; i < text.length; i += 7) s.write(text.slice(i, i + 7));
    s.end();
    const events = await done;
    expect(seen).toEqual(['Step 1/2 : FROM x\n', 'Step 2/2 : RUN false\n', "The command '/bin/sh -c false' returned a non-zero code: 1"]);
    expect(events.map(eventError).filter(Boolean)).toHaveLength(1);
  });
});
