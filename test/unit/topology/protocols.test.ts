// Service protocols (http, tcp = etcd, websocket): the lab file's rules, the plan (which servers run
// what, on which port), the plumbing line that starts them, and the requests the doctor and the
// journey send in each protocol.
import { describe, expect, it } from 'vitest';
import type { LabDoc, Mode, Protocol } from '../../../electron/api';
import { nodeScript, planLab, validateLab } from '../../../electron/engine/topology/index';
import { probeRequest } from '../../../electron/engine/doctor/probes';
import { requestOf } from '../../../electron/engine/journey/send';
import { ETCD_PUT_LUA, loadUrl, parseWsLoad } from '../../../electron/engine/compare/protocol-load';
import { loadScript, parseWrk, wrkErrors } from '../../../electron/engine/compare/wrk';
import { node, tpl } from './fixtures';

/** The dsr template with its service switched to a protocol (and mode, port). */
function lab(protocol: unknown, mode: Mode = 'dsr', port?: number): LabDoc {
  const d = structuredClone(tpl('dsr'));
  const [name, svc] = Object.entries(d.services!)[0];
  d.services![name] = { ...svc, mode, protocol: protocol as Protocol, port };
  return d;
}
const messages = (doc: unknown) => validateLab(doc).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('the protocol key', () => {
  it('defaults to http on port 80; tcp to 2379 and websocket to 8080', () => {
    const plain = planLab(tpl('dsr')).services[0];
    expect([plain.protocol, plain.port]).toEqual(['http', 80]);
    expect(planLab(lab('tcp')).services[0]).toMatchObject({ protocol: 'tcp', port: 2379 });
    expect(planLab(lab('websocket')).services[0]).toMatchObject({ protocol: 'websocket', port: 8080 });
    expect(planLab(lab('tcp', 'dsr', 12000)).services[0].port).toBe(12000);
  });

  it('every L4 mode and l4proxy carry tcp and websocket; l7 carries websocket', () => {
    for (const mode of ['dsr', 'tunnel', 'snat', 'l4proxy'] as const) {
      expect(messages(lab('tcp', mode)), mode).toEqual([]);
      expect(messages(lab('websocket', mode)), mode).toEqual([]);
    }
    expect(messages(lab('websocket', 'l7'))).toEqual([]);
  });

  it('l7 refuses tcp in one line saying why', () => {
    const m = messages(lab('tcp', 'l7'));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/^services\.\w+\.mode: mode l7 cannot carry protocol tcp: an HTTP gateway cannot see inside a TCP stream/);
    // a live switch to l7 of a tcp service: the same refusal, on the protocol the file fixed
    const live = validateLab(lab('tcp', 'dsr'), { modes: { [Object.keys(tpl('dsr').services!)[0]]: 'l7' } }).issues;
    expect(live.map((i) => i.message)).toEqual([expect.stringMatching(/l7 cannot carry protocol tcp/)]);
  });

  it('an unknown protocol, or a non-HTTP service on nginx\'s port 80: one line each', () => {
    expect(messages(lab('quic'))).toEqual([expect.stringMatching(/protocol: protocol "quic" is not one of http, tcp, websocket$/)]);
    expect(messages(lab('tcp', 'dsr', 80))).toEqual([expect.stringMatching(/port: port 80 is the servers' nginx \(HTTP\); a tcp service needs another port \(default 2379\)$/)]);
  });
});

describe('what the servers run', () => {
  it('each server backend of a non-HTTP service serves it; http services add nothing', () => {
    const p = planLab(lab('tcp'));
    const servers = p.nodes.filter((n) => n.kind === 'server');
    expect(servers.length).toBeGreaterThan(1);
    for (const s of servers) expect(s.serves).toEqual([{ protocol: 'tcp', port: 2379 }]);
    expect(planLab(tpl('dsr')).nodes.some((n) => n.serves)).toBe(false);
    expect(p.nodes.filter((n) => n.kind !== 'server').some((n) => n.serves)).toBe(false);
  });

  it('the plumbing starts them with lblab-serve, and fails in one line on an image without it', () => {
    const p = planLab(lab('websocket', 'snat'));
    const web1 = node(p, 'web1');
    const s = nodeScript(p, web1);
    expect(s).toContain('\nlblab-serve websocket:8080\n');
    expect(s).toMatch(/command -v lblab-serve >\/dev\/null 2>&1 \|\| lblab_fail 'node web1: its image has no lblab-serve/);
    // a server with nothing to serve stops what an earlier plan started there (a protocol that changed, a service gone)
    expect(nodeScript(planLab(tpl('dsr')), 'web1')).toContain('\nif command -v lblab-serve >/dev/null 2>&1; then lblab-serve; fi\n');
    expect(nodeScript(planLab(tpl('dsr')), 'client1')).not.toContain('lblab-serve');
  });
});

describe('requests in the service protocol', () => {
  const at = { vip: '198.18.0.254', port: 2379 };
  it('the doctor: an etcd get of the server name, a WebSocket echo, or an HTTP GET', () => {
    expect(probeRequest({ ...at, protocol: 'tcp' })).toMatch(/etcdctl --endpoints 198\.18\.0\.254:2379 .*get lblab\/server --print-value-only.*echo "served by \$v"/);
    expect(probeRequest({ ...at, protocol: 'websocket' })).toContain('lblab-ws --timeout 2 ws://198.18.0.254:2379/ lblab-doctor');
    expect(probeRequest({ ...at, protocol: 'http' })).toContain('curl -g -s -m 2 -o "$d/$i" http://198.18.0.254:2379/');
    expect(probeRequest(at)).toBe(probeRequest({ ...at, protocol: 'http' }));
  });

  it('the journey: the token as an etcd key and value, or a WebSocket header and message', () => {
    expect(requestOf('tcp', at.vip, at.port)).toMatchObject({ url: 'etcd://198.18.0.254:2379' });
    expect(requestOf('tcp', at.vip, at.port).script).toContain('put lblab/journey/%s %s');
    expect(requestOf('websocket', at.vip, 8080)).toMatchObject({ url: 'ws://198.18.0.254:8080/' });
    expect(requestOf('websocket', at.vip, 8080).script).toContain('--header "$HEADER" "$URL" "$TOKEN"');
    expect(requestOf(undefined, at.vip, 80).url).toBe('http://198.18.0.254:80/');
  });
});

describe('compare: the load in the service protocol', () => {
  it('tcp: wrk POSTs etcd puts to its JSON gateway, checked on /health; websocket: lblab-ws --load', () => {
    const base = { jobs: [{ target: '198.18.0.254', port: 2379, connections: 4 }], path: '/1k.bin', warmup: 0, duration: 2, tag: 't', serveTries: 3 };
    const tcp = loadScript({ ...base, protocol: 'tcp', urls: [loadUrl('tcp', '198.18.0.254', 2379, '/1k.bin')] });
    expect(tcp).toContain(`cat > /tmp/lblab-wrk-t/etcd-put.lua <<'LUA'\n${ETCD_PUT_LUA}\nLUA`);
    expect(tcp).toMatch(/until curl -gfsS -o \/dev\/null --max-time 2 'http:\/\/198\.18\.0\.254:2379\/health'/);
    expect(tcp).toMatch(/wrk -t2 -c4 -d2s --timeout 5s --latency -H 'X-Lblab-Count: 1' -s \/tmp\/lblab-wrk-t\/etcd-put\.lua 'http:\/\/198\.18\.0\.254:2379\/v3\/kv\/put'/);
    const ws = loadScript({ ...base, protocol: 'websocket', urls: [loadUrl('websocket', '198.18.0.254', 2379, '/chat')], path: '/chat' });
    expect(ws).toMatch(/until lblab-ws --timeout 2 'ws:\/\/198\.18\.0\.254:2379\/chat' lblab-serving/);
    expect(ws).toContain(`lblab-ws --load -c 4 -d 2 --timeout 5 'ws://198.18.0.254:2379/chat' > /tmp/lblab-wrk-t/0 2>&1 &`);
    expect(ws).not.toContain('wrk -t');
  });

  it('the etcd put body is base64 JSON of lblab/compare', () => {
    const body = /wrk\.body = '(.*)'/.exec(ETCD_PUT_LUA)![1];
    const j = JSON.parse(body) as { key: string; value: string };
    expect(Buffer.from(j.key, 'base64').toString()).toBe('lblab/compare');
  });

  it("lblab-ws's summary reads as a wrk report: messages as requests, failures as errors", () => {
    const out = '{"connections": 10, "opened": 9, "seconds": 2.0, "messages": 3000, "bytes": 90000, "perSecond": 1500, "errors": {"connect": 1, "message": 2}, "latencyMs": {"p50": 1.5, "p90": 2.5, "p99": 4.0, "max": 9}, "servers": {}, "connectionsByServer": {}}\n';
    const r = parseWrk(out);
    expect(r).toMatchObject({ requests: 3000, bytes: 90000, seconds: 2, requestsPerSec: 1500, latencyMs: { p50: 1.5, p90: 2.5, p99: 4 } });
    expect(wrkErrors(r)).toBe(3);
    expect(parseWsLoad('Traceback ...')).toBeUndefined();
  });
});
