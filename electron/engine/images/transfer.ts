// Lab images for a remote engine, sent from this machine's engine: one
// `docker save` stream of the images it already has, piped into the remote
// engine's `docker load` (layers shared between the images travel once). The
// content-hash tags decide what is missing: an image whose tag the remote
// engine has is not sent. A remote engine cannot build through the local apt
// proxy (it listens on this machine), so sending beats building there when
// this machine has the images.
import type Docker from 'dockerode';
import { docker, localDocker } from '../docker/client';
import { eventError, readJsonStream } from './docker-ops';

export interface TransferProgress { message: string; done: number; total: number }

async function has(d: Docker, ref: string): Promise<boolean> {
  return d.getImage(ref).inspect().then(
    () => true,
    () => false,
  );
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

/**
 * Send those of `refs` that the target engine lacks and this machine's engine
 * has. Returns the refs sent; refs neither engine has are left to the caller
 * (it builds them on the target). Never called for a local engine.
 */
export async function sendMissingImages(refs: string[], onProgress: (p: TransferProgress) => void = () => {}, target: Docker = docker(), local: Docker | undefined = localDocker()): Promise<string[]> {
  if (!local || local === target || !refs.length) return [];
  const missing: string[] = [];
  for (const r of refs) if (!(await has(target, r))) missing.push(r);
  const sendable: string[] = [];
  for (const r of missing) if (await has(local, r)) sendable.push(r);
  if (!sendable.length) return [];
  const size = (await Promise.all(sendable.map((r) => local.getImage(r).inspect().then((i) => i.Size ?? 0, () => 0)))).reduce((a, b) => a + b, 0);
  const what = `${sendable.length} image${sendable.length > 1 ? 's' : ''}`;
  onProgress({ message: `sending ${what} from this machine's engine (up to ${mb(size)}): ${sendable.join(', ')}`, done: 0, total: 1 });
  // GET /images/get?names=…: dockerode has it, its types do not
  const saved = (await (local as unknown as { getImages(o: { names: string[] }): Promise<NodeJS.ReadableStream> }).getImages({ names: sendable }));
  let bytes = 0;
  let last = 0;
  saved.on('data', (b: Buffer) => {
    bytes += b.length;
    if (Date.now() - last > 1000) {
      last = Date.now();
      onProgress({ message: `sending ${what}: ${mb(bytes)}${size ? ` of up to ${mb(size)}` : ''}`, done: size ? Math.min(bytes / size, 0.99) : 0, total: 1 });
    }
  });
  // the remote load answers with a JSON progress stream; its errors arrive in it, not as a status
  const answer = (await target.loadImage(saved as unknown as string, { quiet: true })) as NodeJS.ReadableStream;
  let error: string | undefined;
  await readJsonStream(answer, (ev) => (error ??= eventError(ev)));
  if (error) throw new Error(`sending the images to the engine failed: ${error.trim()}`);
  for (const r of sendable) if (!(await has(target, r))) throw new Error(`sending the images to the engine failed: ${r} is not there after loading`);
  onProgress({ message: `sent ${what} (${mb(bytes)})`, done: 1, total: 1 });
  return sendable;
}
