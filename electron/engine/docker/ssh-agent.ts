// An http.Agent that reaches a Docker engine over ssh the way the Docker CLI
// does (`docker system dial-stdio` on the remote host), but over few ssh
// connections: docker-modem's own ssh transport makes a new connection
// (TCP, key exchange, authentication) for every request. Here an ssh
// connection carries many channels, one per HTTP connection, and HTTP
// connections are kept alive between requests.
//
// - sshd allows 10 channels per connection by default (MaxSessions): a
//   connection takes at most `maxChannels` (8), and a further one is opened
//   beside it when all are full; a server that refuses a channel earlier
//   lowers that connection's limit.
// - A connection nothing uses is closed after `idleMs`, and it never keeps
//   the process alive on its own: its socket is unref'd while no request or
//   stream uses one of its channels.
// - A connection that closes or fails is forgotten; the next request opens
//   a new one.
import http from 'node:http';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';

export interface SshAgentOptions {
  /** ssh2's connect options: host, port, username, authHandler, hostVerifier, readyTimeout */
  connect: ConnectConfig;
  /** channels per ssh connection (sshd's MaxSessions defaults to 10) */
  maxChannels?: number;
  /** close an ssh connection no request has used for this long */
  idleMs?: number;
  /** what the remote host runs per channel */
  command?: string;
}

/** One ssh connection and its channels. */
class Link {
  readonly client = new Client();
  readonly ready: Promise<void>;
  /** channels open or being opened */
  channels = 0;
  /** channels the server accepted, still open */
  readonly open = new Set<ClientChannel>();
  /** channels a request or stream holds (ref'd), plus those being opened */
  busy = 0;
  /** lowered when the server refuses a channel before maxChannels */
  cap: number;
  dead = false;
  /** closing after being idle */
  ending = false;
  /** it became ready once (a connection that never did was refused, unreachable or not let in) */
  up = false;
  private idle?: NodeJS.Timeout;
  private sock?: net.Socket;

  constructor(opts: ConnectConfig, cap: number, private readonly idleMs: number, onGone: (l: Link) => void) {
    this.cap = cap;
    this.ready = new Promise((resolve, reject) => {
      const gone = (err?: Error) => {
        if (!this.dead) {
          this.dead = true;
          clearTimeout(this.idle);
          onGone(this);
          // ssh2 ends a dead connection's channels but says 'close' only once their end is read:
          // a kept-alive channel nobody reads would stay in the http agent's pool, dead
          for (const ch of this.open) ch.resume();
        }
        if (err) reject(err);
      };
      this.client.once('ready', () => ((this.up = true), resolve()));
      // ssh2 reports a failed connect or handshake as 'error' then 'close'; an error later closes it too
      this.client.on('error', (err) => gone(err));
      this.client.once('close', () => gone(new Error('the ssh connection closed')));
    });
    this.ready.catch(() => undefined); // a failure reaches whoever waits for a channel
    try {
      this.client.connect(opts);
    } catch (e) {
      // a config ssh2 rejects outright: reported like a failed connect
      queueMicrotask(() => this.client.emit('error', e));
    }
    // ssh2 keeps the TCP socket it made: reached to unref it while the connection is idle
    this.sock = (this.client as unknown as { _sock?: net.Socket })._sock;
    // no Nagle, as OpenSSH: a channel's open, exec request and first HTTP bytes are small packets
    // sent back to back
    this.sock?.setNoDelay(true);
  }

  hold(): void {
    if (this.busy++ === 0) {
      clearTimeout(this.idle);
      this.sock?.ref();
    }
  }

  release(): void {
    if (--this.busy > 0 || this.dead) return;
    this.sock?.unref();
    this.idle = setTimeout(() => {
      this.ending = true; // no new channel on it: the server will not answer one
      this.client.end();
    }, this.idleMs);
    this.idle.unref();
  }
}

/** A channel dressed as the net.Socket Node's http client and agent expect. */
type ChannelSocket = ClientChannel & { timeout?: number };

function asSocket(ch: ClientChannel, link: Link): ChannelSocket {
  const s = ch as ChannelSocket;
  let held = true; // the link counted it busy when it was asked for
  let timer: NodeJS.Timeout | undefined;
  let timeoutMs = 0;
  const arm = () => {
    clearTimeout(timer);
    if (timeoutMs > 0) (timer = setTimeout(() => s.emit('timeout'), timeoutMs)).unref();
  };
  Object.assign(s, {
    setKeepAlive: () => s,
    setNoDelay: () => s,
    ref: () => {
      if (!held) {
        held = true;
        link.hold();
      }
      return s;
    },
    unref: () => {
      if (held) {
        held = false;
        link.release();
      }
      return s;
    },
    setTimeout: (ms: number, cb?: () => void) => {
      timeoutMs = ms;
      s.timeout = ms;
      if (cb) s.once('timeout', cb);
      arm();
      return s;
    },
  });
  // the remote command failing before it carried a byte (no docker CLI there, no access to the engine):
  // its own words, as the HTTP request's error, rather than a bare "socket hang up"
  let carried = false;
  let stderr = '';
  s.on('data', () => {
    carried = true;
    if (timeoutMs) arm();
  });
  // as for a net.Socket, sending is activity too (a long upload must not time out)
  const write = s.write.bind(s) as (...a: unknown[]) => boolean;
  s.write = ((...a: unknown[]) => {
    if (timeoutMs) arm();
    return write(...a);
  }) as typeof s.write;
  ch.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(0, 500)));
  ch.once('exit', (code: number | null) => {
    if (code && !carried) s.emit('error', new Error(`\`docker system dial-stdio\` failed on the remote host (exit ${code}): ${stderr.trim().split('\n').pop() || 'no output'}`));
  });
  link.open.add(ch);
  s.once('close', () => {
    // a channel of a dead connection closes still writable, and Node's agent keeps a writable
    // socket in its pool of free ones: destroyed (no second 'close': ssh2 channels emit it themselves)
    if (s.writable) Duplex.prototype.destroy.call(s);
    clearTimeout(timer);
    link.open.delete(ch);
    link.channels--;
    if (held) {
      held = false;
      link.release();
    }
  });
  return s;
}

const refusedChannel = (e: Error) => /channel open failure/i.test(e.message);

export class SshAgent extends http.Agent {
  private readonly links: Link[] = [];
  private readonly maxChannels: number;
  private readonly idleMs: number;
  private readonly command: string;

  constructor(readonly opts: SshAgentOptions) {
    super({ keepAlive: true, maxFreeSockets: 4 });
    this.maxChannels = opts.maxChannels ?? 8;
    this.idleMs = opts.idleMs ?? 30_000;
    this.command = opts.command ?? 'docker system dial-stdio';
  }

  /** ssh connections open now (for tests and measurements). */
  get connections(): number {
    return this.links.length;
  }

  private link(): Link {
    let l = this.links.find((x) => !x.dead && !x.ending && x.channels < x.cap);
    if (!l) {
      l = new Link(this.opts.connect, this.maxChannels, this.idleMs, (gone) => {
        const i = this.links.indexOf(gone);
        if (i >= 0) this.links.splice(i, 1);
      });
      this.links.push(l);
    }
    l.channels++;
    l.hold();
    return l;
  }

  private channel(cb: (err: Error | null, s?: ChannelSocket) => void, tries = 5): void {
    const l = this.link();
    const fail = (err: Error) => {
      l.channels--;
      l.release();
      // sshd refused one more channel on a connection that has some: it is full, use another;
      // a connection that closed between being chosen and asked (its idle end): use a new one
      // (the others may be refused too, each lowering the limit once more)
      const full = refusedChannel(err) && l.channels > 0;
      if (full) l.cap = Math.min(l.cap, l.channels);
      if ((full || ((l.dead || l.ending) && l.up)) && tries > 1) this.channel(cb, tries - 1);
      else cb(err);
    };
    l.ready.then(() => {
      try {
        l.client.exec(this.command, (err, ch) => (err ? fail(err) : cb(null, asSocket(ch, l))));
      } catch (e) {
        fail(e as Error); // ssh2 throws when the connection is already gone
      }
    }, fail);
  }

  // http.Agent's hooks: a new HTTP connection is a new channel; a kept one is released
  override createConnection(_o: http.ClientRequestArgs, cb?: (err: Error | null, s: Duplex) => void): undefined {
    if (cb) this.channel(cb as (err: Error | null, s?: ChannelSocket) => void);
    return undefined;
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    socket.unref();
    return true;
  }

  /** Close every ssh connection (and so every channel). */
  override destroy(): void {
    super.destroy();
    for (const l of [...this.links]) l.client.end();
  }
}
