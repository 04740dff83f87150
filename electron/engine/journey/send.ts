// The journey's one request: from the client node to the VIP, carrying a
// token no other packet carries, so the request can be found at every hop
// whatever the balancer rewrote. The token travels in the service's own
// protocol: http, a header of a plain GET / (an l7 service always has a
// default backend for it); tcp (etcd), the key and value of a put, read back
// in the same transaction (so the response carries it too); websocket,
// a header of the upgrade request and the message (a client's frames are
// masked on the wire, the handshake and the echo are not).
import { randomBytes } from 'node:crypto';
import type { NodeShell } from './capture-all';
import { execIn } from '../docker/exec';
import type { Protocol } from '../../api';

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

// -g: an IPv6 VIP's brackets are the URL's, not a glob
const SCRIPT = `curl -gsS -o /dev/null --connect-timeout "$SECS" -m "$SECS" -w '%{http_code} %{local_port}' -H "$HEADER" "$URL"`;
/** etcd: one transaction through the VIP, a put of the token and a get of it, so the response carries it too;
 * no HTTP status: a success prints 200 (and no port) */
const ETCD_SCRIPT = `printf '\\nput lblab/journey/%s %s\\nget lblab/journey/%s\\n\\n\\n' "$TOKEN" "$TOKEN" "$TOKEN" | ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINT" --dial-timeout "\${SECS}s" --command-timeout "\${SECS}s" txn | grep -qx "$TOKEN" && echo 200`;
/** WebSocket: one message, its echo must name a server */
const WS_SCRIPT = `lblab-ws --timeout "$SECS" --header "$HEADER" "$URL" "$TOKEN" | grep -q '^served by ' && echo 101`;

/** The request's URL as the journey shows it, and the script that sends it. */
export function requestOf(protocol: Protocol | undefined, vip: string, port: number): { url: string; script: string } {
  const host = hostPort(vip, port);
  if (protocol === 'tcp') return { url: `etcd://${host}`, script: ETCD_SCRIPT };
  if (protocol === 'websocket') return { url: `ws://${host}/`, script: WS_SCRIPT };
  return { url: `http://${host}/`, script: SCRIPT };
}

/** `address:port`, an IPv6 address in brackets (RFC 3986). */
export const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

const dockerShell: NodeShell = (container, script, env, timeoutMs) => execIn(container, ['sh', '-c', script], { env, timeoutMs });

export async function sendRequest(
  container: string,
  target: { vip: string; port: number; token: string; timeoutSeconds?: number; protocol?: Protocol },
  shell: NodeShell = dockerShell,
): Promise<SendResult> {
  const { url, script } = requestOf(target.protocol, target.vip, target.port);
  const secs = target.timeoutSeconds ?? 5;
  const env = [`SECS=${secs}`, `HEADER=${TOKEN_HEADER}: ${target.token}`, `URL=${url}`, `TOKEN=${target.token}`, `ENDPOINT=${hostPort(target.vip, target.port)}`];
  const r = await shell(container, script, env, (secs + 10) * 1000);
  const [code, port] = r.stdout.trim().split(/\s+/).map(Number);
  const out: SendResult = { url, token: target.token };
  if (port > 0) out.localPort = port;
  if (r.exitCode !== 0 || !(code > 0)) {
    const why = r.stderr.trim().split('\n').pop()?.trim() || (r.exitCode === 127 ? 'the client tool was not found in the client' : `exit ${r.exitCode}`);
    out.error = `the request got no response (${why})`;
  } else out.status = code;
  return out;
}
