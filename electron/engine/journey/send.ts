// The journey's one request: curl in the client node to the VIP, carrying a
// token header no other packet carries, so the request can be found at
// every hop whatever the balancer rewrote. A plain GET /: an l7 service
// always has a default backend for it.
import { randomBytes } from 'node:crypto';
import type { NodeShell } from './capture-all';
import { execIn } from '../docker/exec';

export const TOKEN_HEADER = 'X-Lblab-Journey';

export interface SendResult {
  url: string;
  token: string;
  /** the HTTP status, when a response came */
  status?: number;
  /** the client's TCP port, when the connection was made */
  localPort?: number;
  /** `the request got no response (curl: …)` */
  error?: string;
}

export const newToken = () => `lblab-${randomBytes(9).toString('hex')}`;

const SCRIPT = `curl -sS -o /dev/null --connect-timeout "$SECS" -m "$SECS" -w '%{http_code} %{local_port}' -H "$HEADER" "$URL"`;

const dockerShell: NodeShell = (container, script, env, timeoutMs) => execIn(container, ['sh', '-c', script], { env, timeoutMs });

export async function sendRequest(
  container: string,
  target: { vip: string; port: number; token: string; timeoutSeconds?: number },
  shell: NodeShell = dockerShell,
): Promise<SendResult> {
  const url = `http://${target.vip}:${target.port}/`;
  const secs = target.timeoutSeconds ?? 5;
  const r = await shell(container, SCRIPT, [`SECS=${secs}`, `HEADER=${TOKEN_HEADER}: ${target.token}`, `URL=${url}`], (secs + 10) * 1000);
  const [code, port] = r.stdout.trim().split(/\s+/).map(Number);
  const out: SendResult = { url, token: target.token };
  if (port > 0) out.localPort = port;
  if (r.exitCode !== 0 || !(code > 0)) {
    const why = r.stderr.trim().split('\n').pop()?.trim() || (r.exitCode === 127 ? 'curl: not found in the client' : `curl: exit ${r.exitCode}`);
    out.error = `the request got no response (${why})`;
  } else out.status = code;
  return out;
}
