// Service protocols beyond HTTP on one lab the test writes: an etcd service
// (protocol tcp) and a WebSocket service, both on two servers behind one
// balancer, switched live through every L4 mode and l4proxy; the WebSocket
// service through l7 too, routed by path and Host, through HAProxy, nginx and
// Apache (event MPM). Each request names the server that
// answered it (etcd: the key lblab/server each server's etcd holds its name
// under; WebSocket: every echo), so the spread is read at the client. Bad
// protocols and l7 with a tcp service are refused in one line, nothing created.
// Last, a redeploy that changes what the servers serve: they run exactly that.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { DoctorReport, Journey, LabStatus } from '../../electron/api';
import { labelled, lblab, lblabOk, LAB_PREFIX, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}protocols`;
const dir = tmpDir();
const ETCD_CALLS = 16;
const WS_CONNECTIONS = 12;

/** Two servers behind a two-arm balancer with a router beside it: every L4 mode runs on it (compare.lab.yaml's shape). */
function labDoc(name: string, services: Record<string, unknown>) {
  return {
    name,
    networks: { front: { subnet: '198.18.231.0/24' }, back: { subnet: '198.18.232.0/24' } },
    nodes: {
      client1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
      r1: { kind: 'router', links: [{ network: 'front' }, { network: 'back' }] },
      web1: { kind: 'server', links: [{ network: 'back' }] },
      web2: { kind: 'server', links: [{ network: 'back' }] },
    },
    services,
  };
}
const SERVICES = {
  kv: { balancer: 'lb', protocol: 'tcp', mode: 'dsr', scheduler: 'rr', backends: ['web1', 'web2'] },
  ws: {
    balancer: 'lb',
    protocol: 'websocket',
    mode: 'dsr',
    scheduler: 'rr',
    backends: ['web1', 'web2'],
    routes: [
      { path: '/chat', backends: ['web1', 'web2'] },
      { path: '/solo', backends: ['web1'] },
      { host: 'solo.lab', backends: ['web2'] },
    ],
  },
};

function writeLab(name: string, services: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(labDoc(name, services)));
  return file;
}

let kv = '';
let ws = '';
let ids: string[] = [];

beforeAll(async () => {
  await lblab(['down', LAB]);
  await lblabOk(['up', writeLab(LAB, SERVICES)]);
  const st = JSON.parse(await lblabOk(['status', LAB, '--json'])) as LabStatus;
  const at = (s: string) => st.services.find((x) => x.name === s)!;
  ids = st.nodes.map((n) => n.id!);
  kv = `${at('kv').vip}:${at('kv').port}`;
  ws = `${at('ws').vip}:${at('ws').port}`;
});

afterAll(async () => {
  await lblab(['down', LAB]);
});

const exec = (script: string) => lblabOk(['exec', LAB, 'client1', '--', 'bash', '-c', script], 60_000);

/** Each call is its own etcdctl (its own connection): a put, a get of it, and a get of the server's name, in one transaction. */
async function etcdRound(tag: string): Promise<Record<string, number>> {
  // in parallel (each its own process and source port), printed in call order
  const out = await exec(
    `d=$(mktemp -d); for i in $(seq ${ETCD_CALLS}); do printf '\\nput lblab/it/${tag}/%s v%s\\nget lblab/it/${tag}/%s\\nget lblab/server\\n\\n\\n' $i $i $i | ` +
      `ETCDCTL_API=3 etcdctl --endpoints ${kv} --dial-timeout 3s --command-timeout 3s txn > $d/$i & done; wait; ` +
      `for i in $(seq ${ETCD_CALLS}); do tr '\\n' ' ' < $d/$i; echo; done; rm -rf $d`,
  );
  const by: Record<string, number> = {};
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(ETCD_CALLS);
  lines.forEach((l, i) => {
    // SUCCESS OK lblab/it/<tag>/<i> v<i> lblab/server <name>
    expect(l, `etcd call ${i + 1}`).toMatch(new RegExp(`^SUCCESS\\s+OK\\s+lblab/it/${tag}/${i + 1}\\s+v${i + 1}\\s+lblab/server\\s+web[12]\\s*$`));
    const who = /lblab\/server\s+(\S+)/.exec(l)![1];
    by[who] = (by[who] ?? 0) + 1;
  });
  return by;
}

interface WsLoad { opened: number; messages: number; errors: { connect: number; message: number }; servers: Record<string, number>; connectionsByServer: Record<string, number> }
async function wsLoad(urlPath = '/', seconds = 0.6, host = ws): Promise<WsLoad> {
  return JSON.parse(await exec(`lblab-ws --load -c ${WS_CONNECTIONS} -d ${seconds} ws://${host}${urlPath}`)) as WsLoad;
}

/** 50/50 with generous margins: each of web1 and web2 between 25 % and 75 % of `n`. */
function evenly(by: Record<string, number>, n: number) {
  expect(Object.keys(by).sort()).toEqual(['web1', 'web2']);
  for (const k of ['web1', 'web2']) {
    expect(by[k]).toBeGreaterThanOrEqual(Math.floor(n * 0.25));
    expect(by[k]).toBeLessThanOrEqual(Math.ceil(n * 0.75));
  }
}

describe.sequential('service protocols: etcd (tcp) and WebSocket', () => {
  for (const mode of ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy'] as const) {
    it(`${mode}: etcd put/get and a WebSocket echo, spread over both servers`, async () => {
      if (mode !== 'dsr') {
        await lblabOk(['mode', LAB, 'kv', mode]);
        await lblabOk(['mode', LAB, 'ws', mode]);
      }
      const [etcd, w] = await Promise.all([etcdRound(mode), wsLoad()]);
      evenly(etcd, ETCD_CALLS);
      expect(w.errors).toEqual({ connect: 0, message: 0 });
      expect(w.opened).toBe(WS_CONNECTIONS);
      evenly(w.connectionsByServer, WS_CONNECTIONS);
      evenly(w.servers, w.messages);
    });
  }

  // the last one stays for the journey below
  const L7_GATEWAYS = ['haproxy', 'apache-event', 'nginx'] as const;
  it(`l7 routes the WebSocket upgrade on its path and Host and keeps the connection open: ${L7_GATEWAYS.join(', ')}`, async () => {
    await lblabOk(['mode', LAB, 'ws', 'l7']);
    // a name for the VIP: the upgrade's Host is solo.lab
    await exec(`grep -q ' solo.lab$' /etc/hosts || echo '${ws.split(':')[0]} solo.lab' >> /etc/hosts`);
    const port = ws.split(':')[1];
    for (const g of L7_GATEWAYS) {
      // the agent's live switch, as a comparison across gateways makes it
      await lblabOk(['exec', LAB, 'lb', '--', 'lbagent', 'gateway', 'ws', g]);
      const chat = await wsLoad('/chat', g === 'haproxy' ? 1 : 0.6);
      expect(chat.errors, g).toEqual({ connect: 0, message: 0 });
      evenly(chat.connectionsByServer, WS_CONNECTIONS);
      // one upgraded connection carries many messages (a tunnel through the gateway, not a request each)
      expect(chat.messages / WS_CONNECTIONS, g).toBeGreaterThan(10);
      // by path to web1 only, by Host to web2 only
      const solo = await wsLoad('/solo', 0.3);
      expect(solo.errors, g).toEqual({ connect: 0, message: 0 });
      expect(solo.connectionsByServer, g).toEqual({ web1: WS_CONNECTIONS });
      const named = await wsLoad('/', 0.3, `solo.lab:${port}`);
      expect(named.errors, g).toEqual({ connect: 0, message: 0 });
      expect(named.connectionsByServer, g).toEqual({ web2: WS_CONNECTIONS });
    }
  });

  it('l7 for the tcp service, live: refused in one line, the service stays in its mode', async () => {
    const r = await lblab(['mode', LAB, 'kv', 'l7']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/l7 cannot carry protocol tcp: an HTTP gateway cannot see inside/);
    const st = JSON.parse(await lblabOk(['status', LAB, '--json'])) as LabStatus;
    expect(st.services.find((s) => s.name === 'kv')?.mode).toBe('l4proxy');
    // every switch was live: the containers of the first deploy still run
    expect(st.nodes.map((n) => n.id)).toEqual(ids);
  });

  for (const [svc, scheme] of [['kv', 'etcd'], ['ws', 'ws']] as const) {
    it(`the journey of one ${scheme} request: its token in the protocol's payload, seen at the client, the balancer and a server`, async () => {
      const j = JSON.parse(await lblabOk(['journey', LAB, '--service', svc, '--json'], 120_000)) as Journey;
      expect(j.error).toBeUndefined();
      expect(j.request.url.startsWith(`${scheme}://`)).toBe(true);
      expect(['web1', 'web2']).toContain(j.backend);
      const nodes = new Set(j.request.hops.map((h) => h.node));
      for (const n of ['client1', 'lb', j.backend!]) expect(nodes.has(n), `request seen at ${n}`).toBe(true);
      expect(j.response.hops.length).toBeGreaterThan(0);
      if (svc === 'ws') {
        // through l7 on the gateway the test above left running: its two connections, the client's and its own
        expect(j.gateway).toBe(L7_GATEWAYS[L7_GATEWAYS.length - 1]);
        const relay = j.request.hops.find((h) => h.node === 'lb' && h.changes.some((c) => c.field === 'tcp.stream'));
        expect(relay?.changes.find((c) => c.field === 'tcp.stream')?.why).toMatch(/^l7: nginx on lb relays the data on another TCP connection/);
      }
    });
  }

  it('the doctor finds an etcd that stopped on one server (nginx still up)', async () => {
    await lblabOk(['exec', LAB, 'web2', '--', 'sh', '-c', 'kill $(pidof etcd); while pidof etcd >/dev/null; do sleep 0.1; done']);
    const r = await lblab(['doctor', LAB, '--service', 'kv', '--json'], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as DoctorReport;
    const down = report.findings.find((f) => f.kind === 'backend-down' && f.node === 'web2');
    expect(down, r.stdout).toBeDefined();
    expect(down!.evidence.join(' ')).toMatch(/nothing listens on TCP port 2379 in web2/);
    // the probe's etcd gets through the VIP were all answered by web1
    const probe = report.probes.find((p) => p.service === 'kv');
    expect(Object.keys(probe?.answered ?? {})).toEqual(['web1']);
  });

  it('a lab with l7 for a tcp service, or an unknown protocol: one line, nothing created', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [`${LAB}-l7`, { kv: { ...SERVICES.kv, mode: 'l7' } }, /services\.kv\.mode: mode l7 cannot carry protocol tcp/],
      [`${LAB}-bad`, { kv: { ...SERVICES.kv, protocol: 'quic' } }, /services\.kv\.protocol: protocol "quic" is not one of http, tcp, websocket/],
    ];
    for (const [name, services, message] of cases) {
      const r = await lblab(['up', writeLab(name, services)]);
      expect(r.code, name).toBe(1);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
      expect(labelled(`io.lblab.lab=${name}`), name).toEqual({ containers: [], networks: [] });
    }
  });

  it('a redeploy that changes the protocol: the servers run exactly what it needs (etcd stopped, websocketd moved)', async () => {
    // kv becomes a WebSocket service on etcd's port; ws goes away
    const changed = { kv: { ...SERVICES.kv, protocol: 'websocket', port: 2379 } };
    const up = await lblab(['up', writeLab(LAB, changed)], { timeoutMs: 300_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/updated in/);
    for (const web of ['web1', 'web2']) {
      const running = await lblabOk(['exec', LAB, web, '--', 'sh', '-c', 'for p in $(pgrep -x etcd) $(pgrep -x websocketd); do tr "\\0" " " < /proc/$p/cmdline; echo; done']);
      expect(running.trim().split('\n'), web).toEqual([expect.stringMatching(/^websocketd .*--port 2379 /)]);
    }
    const echo = await exec(`lblab-ws ws://${kv}/ moved`);
    expect(echo.trim()).toMatch(/^served by web[12]: moved$/);
  });
});
