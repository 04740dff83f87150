// Small Docker operations the image builder needs, with errors surfaced from
// JSON progress streams (dockerode's followProgress resolves even on error).
import { docker } from '../docker/client';

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker().getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

export interface StreamEvent { stream?: string; status?: string; error?: string; errorDetail?: { message?: string }; aux?: { ID?: string } }

/**
 * Read a newline-delimited JSON progress stream. Objects may be split across
 * chunks (and several may share one), so lines are reassembled before parsing.
 * Resolves with all events; the caller decides what an error means.
 */
export function readJsonStream(stream: NodeJS.ReadableStream, onEvent: (e: StreamEvent) => void): Promise<StreamEvent[]> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    let buf = '';
    const take = (line: string) => {
      if (!line.trim()) return;
      let ev: StreamEvent;
      try {
        ev = JSON.parse(line) as StreamEvent;
      } catch {
        ev = { stream: line };
      }
      events.push(ev);
      onEvent(ev);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        take(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => {
      take(buf);
      resolve(events);
    });
    stream.on('error', reject);
  });
}

export const eventError = (e: StreamEvent): string | undefined => e.error ?? e.errorDetail?.message;

/** Try to pull an image; false (never throws) when no registry answers within `timeoutMs`. */
export async function tryPull(ref: string, timeoutMs = 20_000): Promise<boolean> {
  const attempt = (async () => {
    try {
      const stream = await docker().pull(ref);
      const events = await readJsonStream(stream, () => {});
      return !events.some(eventError) && (await imageExists(ref));
    } catch {
      return false;
    }
  })();
  const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
  return Promise.race([attempt, timeout]);
}
