// l7 route and http health-check values: the lab schema and the balancer agent
// apply one rule (lab-images/balancer/contract/l7-values.ts), so `lblab up`
// refuses, before anything is created, every value the agent would refuse
// once the containers exist — and both still take the ordinary ones.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig, type AgentConfigInput } from '../../../lab-images/balancer/contract/config';
import { haproxyConfig } from '../../../lab-images/balancer/agent/haproxy';
import { formatPath, validateLab } from '../../../electron/engine/topology/index';

type Field = 'path' | 'host' | 'header name' | 'header value' | 'health path';

function labWith(field: Field, value: string) {
  const route: Record<string, unknown> = { backends: ['web1'] };
  if (field === 'path') route.path = value;
  else if (field === 'host') route.host = value;
  else if (field === 'header name') route.header = { [value]: 'v2' };
  else if (field === 'header value') route.header = { 'X-Version': value };
  else route.path = '/api';
  return {
    name: 'v',
    networks: { front: {} },
    nodes: {
      c1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }] },
      web1: { kind: 'server', links: [{ network: 'front' }] },
    },
    services: { web: { balancer: 'lb', mode: 'l7', backends: ['web1'], routes: [route], ...(field === 'health path' && { health: { type: 'http', path: value } }) } },
  };
}

function agentWith(field: Field, value: string): AgentConfigInput {
  const backend = { node: 'web1', address: '198.18.0.11' };
  const route: Record<string, unknown> = { backends: [backend] };
  if (field === 'path') route.path = value;
  else if (field === 'host') route.host = value;
  else if (field === 'header name') route.header = { [value]: 'v2' };
  else if (field === 'header value') route.header = { 'X-Version': value };
  else route.path = '/api';
  return {
    version: 1,
    balancer: 'lb',
    interfaces: [],
    services: [{ name: 'web', vip: '198.18.0.100', port: 80, mode: 'l7', backends: [backend], routes: [route as never], ...(field === 'health path' && { health: { type: 'http', path: value } }) }],
  };
}

const labLines = (field: Field, value: string) => validateLab(labWith(field, value)).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
const agentErrors = (field: Field, value: string) => {
  const r = parseAgentConfig(JSON.stringify(agentWith(field, value)));
  return r.ok ? [] : r.errors;
};

// what each one would do inside haproxy.cfg (or the checker's request line)
const REJECTED: [Field, string][] = [
  ['path', '/a b'], // a second word
  ['path', '/a\tb'],
  ['path', '/a\nb'], // a new config line
  ['path', "/a'b"], // opens a quoted string
  ['path', '/a"b'],
  ['path', '/a#b'], // the rest of the line becomes a comment
  ['path', '/a\\b'], // an escape
  ['path', '/a{b}'],
  ['path', 'api'], // not a path
  ['path', '/' + 'a'.repeat(200)], // over 200 characters
  ['host', 'a b'],
  ['host', 'a.example #x'],
  ['host', '-f'], // a flag after -m str
  ['host', 'a"b'],
  ['host', ''],
  ['header name', 'X A'],
  ['header name', 'X#A'],
  ["header name", "X'A"],
  ['header name', 'X"A'],
  ['header name', 'X(A)'], // closes hdr( early
  ['header name', 'X-' + 'a'.repeat(63)],
  ['header value', ''], // matches nothing, and leaves -m str without a pattern
  ['header value', 'v 2'],
  ['header value', '-i'],
  ['header value', '-f'],
  ['header value', '"v2"'],
  ["header value", "v'2"],
  ['header value', 'v2#x'],
  ['header value', 'v2\nbackend x'],
  ['header value', 'v'.repeat(257)],
  ['health path', '/health check'],
  ['health path', '/h#'],
  ['health path', "/h'"],
  ['health path', 'healthz'],
  ['health path', '/h\r\nX: y'], // a second request header line
];

const ACCEPTED: [Field, string][] = [
  ['path', '/'],
  ['path', '/api/v1'],
  ['path', '/a%20b'],
  ['path', '/a:b@c!$&()*+,;=-._~'],
  ['path', '/' + 'a'.repeat(199)],
  ['host', 'a.example'],
  ['host', 'App.Example:8080'],
  ['host', 'localhost'],
  ['host', '198.18.0.100'],
  ['header name', 'X-Version'],
  ['header name', 'x_canary'],
  ['header name', 'X.Y'],
  ['header value', 'v2'],
  ['header value', 'Bearer_token-1.0'],
  ['header value', 'a=b;c=d'],
  ['header value', '1'],
  ['header value', 'a-'],
  ['health path', '/healthz'],
  ['health path', '/'],
];

const shown = (v: string) => (v.length > 40 ? `${v.slice(0, 20)}… (${v.length} characters)` : JSON.stringify(v));

describe('l7 and health values: one rule for the lab schema and the agent', () => {
  for (const [field, value] of REJECTED) {
    it(`refuses ${field} ${shown(value)} in the lab and in the agent`, () => {
      const lines = labLines(field, value);
      expect(lines).toHaveLength(1);
      const where = { path: 'services.web.routes[0].path', host: 'services.web.routes[0].host', 'header name': `services.web.routes[0].header.${value}`, 'header value': 'services.web.routes[0].header.X-Version', 'health path': 'services.web.health.path' }[field];
      expect(lines[0].startsWith(`${where}: `)).toBe(true);
      // the value is quoted as written, on one line
      expect(lines[0]).toContain(JSON.stringify(value));
      expect(lines[0]).not.toContain('\n');
      expect(agentErrors(field, value).length).toBeGreaterThan(0);
    });
  }

  for (const [field, value] of ACCEPTED) {
    it(`takes ${field} ${shown(value)} in the lab and in the agent`, () => {
      expect(labLines(field, value)).toEqual([]);
      expect(agentErrors(field, value)).toEqual([]);
    });
  }

  it('says what is wrong in the schema style, value quoted', () => {
    expect(labLines('path', '/a b')).toEqual(['services.web.routes[0].path: path "/a b" is not a path like /api: "/" then up to 199 letters, digits or ._~/%:@!$&()*+,;=- (no spaces, quotes or #)']);
    expect(labLines('header name', 'X#A')).toEqual(['services.web.routes[0].header.X#A: header name "X#A" is not an HTTP header name like X-Version (up to 64 letters, digits or !$%&*+.^_`|~-)']);
    expect(labLines('header value', '-i')[0]).toBe('services.web.routes[0].header.X-Version: header X-Version "-i" is not a header value of 1 to 256 letters, digits or ._~/%:@!$&()*+,;=- (no spaces, quotes or #), not starting with a dash');
    expect(labLines('health path', '/h#')[0]).toMatch(/^services\.web\.health\.path: path "\/h#" is not a path like \/api/);
  });

  it('a route with an empty header map matches nothing: both ends refuse it', () => {
    const lab = labWith('path', '/x');
    (lab.services.web.routes[0] as Record<string, unknown>) = { header: {}, backends: ['web1'] };
    expect(validateLab(lab).issues.map((i) => i.message)).toEqual(['a route needs path, host or header to match on']);
    const cfg = agentWith('path', '/x');
    cfg.services[0].routes = [{ header: {}, backends: [{ node: 'web1', address: '198.18.0.11' }] }];
    expect(parseAgentConfig(JSON.stringify(cfg)).ok).toBe(false);
  });

  it('every accepted value stays one word of its haproxy.cfg line', () => {
    for (const [field, value] of ACCEPTED.filter(([f]) => f !== 'health path')) {
      const r = parseAgentConfig(JSON.stringify(agentWith(field, value)));
      if (!r.ok) throw new Error(r.errors.join('; '));
      const acl = haproxyConfig(r.config.services).split('\n').find((l) => l.includes('acl r0_'))!;
      const words = acl.trim().split(/\s+/);
      if (field === 'header name') expect(words[2]).toBe(`hdr(${value})`);
      else expect(words[words.length - 1]).toBe(value);
      expect(acl).not.toMatch(/["'#\\]/);
    }
  });
});
