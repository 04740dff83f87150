// The doctor on one real lab (client → balancer and router → three servers on
// another network: every mode runs on it), switched between modes as each
// fault needs. Each fault is made by hand (docker exec, or a helper container
// in the node's network namespace for sysctls, as a user would with nsenter),
// its symptom is measured from a client, `lblab doctor --json` must name
// exactly that kind on that node, and `--fix` must make the lab serve again.
// Then the same faults made with `lblab break`, undone by `break --undo` or `up`.
// (health-mismatch: a server answering 503 behind a tcp health check that passes;
// not-same-l2: a dsr server's interface on the balancer's segment set down.)
// And no false alarms: the healthy lab in every mode has no error or warning.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport, LabStatus, Mode } from '../../electron/api';
import { SERVER_ERRORS_ON } from '../../electron/engine/doctor/restore';
import { lblab, LAB_PREFIX, nodeSh, rewriteLab, ROOT, tmpDir, type CliResult } from '../support/labs';

const LAB = `${LAB_PREFIX}dr-doctor`;
/** arp flux shows only where clients share the servers' segment: labs/dsr.lab.yaml's one network */
const ARP_LAB = `${LAB_PREFIX}dr-arp`;
const { file } = rewriteLab(path.join(ROOT, 'test/integration/fixtures/doctor.lab.yaml'), LAB, tmpDir());
const { file: arpFile } = rewriteLab(path.join(ROOT, 'labs/dsr.lab.yaml'), ARP_LAB, tmpDir(), 102);
/** The arp lab's deploy, started beside the first lab's (own names and subnets): its tests wait for it. */
let arpUp: Promise<CliResult> | undefined;
let status: LabStatus;
let mode: Mode = 'dsr';

afterAll(async () => {
  await lblab(['down', LAB]);
  await lblab(['down', ARP_LAB]);
});

let lab = LAB;
const container = (node: string) => `lblab-${lab}-${node}`;
const vip = () => status.services[0].vip;
const addressOf = (node: string, network: string) => status.nodes.find((n) => n.name === node)!.interfaces.find((i) => i.network === network)!.address.split('/')[0];
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const dockerExec = (node: string, script: string) => docker('exec', container(node), 'sh', '-c', script);
/** By hand, as with nsenter: a throw-away container in the node's network namespace, /proc/sys writable. */
const sysctlByHand = (node: string, script: string) =>
  docker('run', '--rm', '--network', `container:${container(node)}`, '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--security-opt', 'systempaths=unconfined', docker('inspect', '-f', '{{.Config.Image}}', container(node)).trim(), 'sh', '-c', script);

// The requests go straight through docker exec: the CLI's start-up, paid on every poll, is not what is tested here.

/** `n` requests through the VIP from client1, in parallel: who answered each ('fail' when none did). */
async function served(n = 30): Promise<string[]> {
  const script = `d=$(mktemp -d); for i in $(seq ${n}); do curl -s -m 3 -o $d/$i http://${vip()}/ & done; wait; for i in $(seq ${n}); do sed -n 's/.*served by \\([a-z0-9-]*\\).*/\\1/p' $d/$i | head -1 | grep . || echo fail; done`;
  return (await nodeSh(lab, 'client1', script)).trim().split('\n');
}

/** `n` requests through the VIP from client1: `server code` for each (`fail 000` when none answered). */
async function answers(n = 30): Promise<string[]> {
  const script = `d=$(mktemp -d); for i in $(seq ${n}); do curl -s -m 3 -o $d/$i -w '%{http_code}' http://${vip()}/ > $d/c$i & done; wait; for i in $(seq ${n}); do w=$(sed -n 's/.*served by \\([a-z0-9-]*\\).*/\\1/p' $d/$i | head -1); echo "\${w:-fail} $(cat $d/c$i)"; done`;
  return (await nodeSh(lab, 'client1', script)).trim().split('\n');
}

/** Every request answered, by every server (a server just started again waits for its first health check: up to 15 s). */
async function serving(): Promise<void> {
  let who: string[] = [];
  for (let i = 0; i < 15; i++) {
    who = await served();
    if (!who.includes('fail') && new Set(who).size === 3) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  expect(who.filter((w) => w === 'fail'), who.join(' ')).toEqual([]);
  expect(new Set(who), 'every server answers').toEqual(new Set(['web1', 'web2', 'web3']));
}

async function doctor(...extra: string[]): Promise<{ code: number | null; report: DoctorReport }> {
  const r = await lblab(['doctor', lab, '--json', ...extra]);
  expect(r.stdout.trim().startsWith('{'), r.stderr).toBe(true);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport };
}

/** The errors and warnings, as `kind node`. */
const alarms = (r: DoctorReport) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind} ${f.node}`);

async function toMode(m: Mode): Promise<void> {
  if (mode === m) return;
  const r = await lblab(['mode', LAB, 'web', m]);
  expect(r.code, r.stderr).toBe(0);
  mode = m;
}

async function fixAndServe(): Promise<void> {
  const { code, report } = await doctor('--fix');
  expect(alarms(report), JSON.stringify(report.findings)).toEqual([]);
  expect(code).toBe(0);
  expect(report.fixed?.before.length).toBeGreaterThan(0);
  await serving();
}

/** The fault found: exactly that kind on that node, an error, exit 1; the report's keys. */
async function found(kind: string, node: string, severities: string[] = ['error']): Promise<DoctorReport> {
  const { code, report } = await doctor();
  expect(alarms(report), JSON.stringify(report.findings, null, 1)).toEqual([`${kind} ${node}`]);
  const f = report.findings.find((x) => x.kind === kind)!;
  expect(severities).toContain(f.severity);
  expect(Object.keys(f)).toEqual(expect.arrayContaining(['kind', 'severity', 'node', 'service', 'summary', 'evidence', 'why', 'fix']));
  expect(f.evidence.length).toBeGreaterThan(0);
  expect(code).toBe(f.severity === 'error' ? 1 : 0);
  expect(report.healthy).toBe(f.severity !== 'error');
  return report;
}

describe.sequential('the doctor on a live lab', () => {
  it('deploys the lab and it serves in dsr', async () => {
    arpUp = lblab(['up', arpFile]);
    const r = await lblab(['up', file]);
    expect(r.code, r.stderr).toBe(0);
    status = JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus;
    await serving();
  });

  it('no false alarms: no error or warning in any mode', async () => {
    // ending in nat, where the faults below begin: each mode switch is seconds
    for (const m of ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7', 'nat'] as const) {
      await toMode(m);
      const { code, report } = await doctor();
      expect(alarms(report), `${m}: ${JSON.stringify(report.findings)}`).toEqual([]);
      expect(code).toBe(0);
      // the proxies and snat hide the client's address: said as a note
      expect(report.findings.map((f) => f.kind)).toEqual(['snat', 'l4proxy', 'l7'].includes(m) ? ['client-ip-hidden'] : []);
    }
  });

  describe.sequential('faults made by hand', () => {
    // grouped by mode (nat, dsr, tunnel), so the lab switches as seldom as it can
    it('return-path (nat): a server whose default route bypasses the balancer', async () => {
      await toMode('nat');
      dockerExec('web2', `ip route replace default via ${addressOf('r1', 'back')}`);
      const who = await served();
      expect(who).toContain('fail');
      expect(who).not.toContain('web2');
      await found('return-path', 'web2');
      await fixAndServe();
    });

    it('vip-missing (dsr): a server without the VIP on lo', async () => {
      await toMode('dsr');
      dockerExec('web2', `ip addr del ${vip()}/32 dev lo`);
      const who = await served();
      expect(who).toContain('fail');
      expect(who).not.toContain('web2');
      await found('vip-missing', 'web2');
      await fixAndServe();
    });

    it('arp-flux (dsr): a server that answers ARP for the VIP', async () => {
      // no node on the servers' segment asks for the VIP in this topology: found from the sysctls (the symptom: below)
      sysctlByHand('web1', 'echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore; echo 0 > /proc/sys/net/ipv4/conf/all/arp_announce');
      await found('arp-flux', 'web1');
      await fixAndServe();
      expect(dockerExec('web1', 'cat /proc/sys/net/ipv4/conf/all/arp_ignore').trim()).toBe('1');
    });

    it('rp-filter (dsr): strict reverse-path filtering on the router drops the answers', async () => {
      sysctlByHand('r1', 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter');
      expect(new Set(await served(9))).toEqual(new Set(['fail']));
      await found('rp-filter', 'r1');
      await fixAndServe();
    });

    it('backend-down (dsr): a server stopped', async () => {
      docker('stop', '-t', '1', container('web3'));
      expect(await served()).not.toContain('web3');
      await found('backend-down', 'web3', ['error', 'warning']);
      await fixAndServe();
    });

    it('health-mismatch (dsr): a server answering 503 while its tcp health check passes', async () => {
      await toMode('dsr');
      dockerExec('web3', SERVER_ERRORS_ON); // returns once web3's new workers answer 503
      const got = await answers();
      expect(got).toContain('web3 503');
      expect(got.filter((a) => a.startsWith('web3 ')).every((a) => a === 'web3 503')).toBe(true);
      const report = await found('health-mismatch', 'web3');
      expect(report.findings[0].evidence.join('\n')).toMatch(/HTTP 503/);
      await fixAndServe();
      expect((await answers()).filter((a) => !a.endsWith(' 200'))).toEqual([]);
    });

    it('not-same-l2 (dsr): a server whose interface on the balancer\'s segment is down', async () => {
      await toMode('dsr');
      dockerExec('web2', 'ip link set dev eth0 down');
      const who = await served();
      expect(who).not.toContain('web2');
      await found('not-same-l2', 'web2');
      await fixAndServe();
    });

    it('decap-missing (tunnel): a server without its decap filter', async () => {
      await toMode('tunnel');
      dockerExec('web1', 'for d in $(ls /sys/class/net); do tc filter del dev $d ingress 2>/dev/null; done; true');
      const who = await served();
      expect(who).toContain('fail');
      expect(who).not.toContain('web1');
      await found('decap-missing', 'web1');
      await fixAndServe();
    });
  });

  describe.sequential('the same faults with lblab break', () => {
    // grouped by mode (tunnel, where the faults above end, nat, dsr, where the next test runs)
    const cases: [Mode, string, string, 'undo' | 'up' | 'fix'][] = [
      ['tunnel', 'decap-missing', 'web1', 'undo'],
      ['nat', 'return-path', 'web2', 'undo'],
      ['dsr', 'vip-missing', 'web2', 'undo'],
      ['dsr', 'arp-flux', 'web1', 'up'],
      ['dsr', 'rp-filter', 'r1', 'fix'],
      ['dsr', 'backend-down', 'web3', 'up'],
      ['dsr', 'health-mismatch', 'web3', 'up'],
      ['dsr', 'not-same-l2', 'web2', 'undo'],
    ];
    for (const [m, fault, node, how] of cases) {
      it(`${fault} on ${node} (${m}), put back with ${how === 'undo' ? 'break --undo' : how === 'up' ? 'up' : 'doctor --fix'}`, async () => {
        await toMode(m);
        const b = await lblab(['break', LAB, fault, node]);
        expect(b.code, b.stderr).toBe(0);
        const s = JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus;
        expect(s.state).toBe('degraded');
        expect(s.reason).toContain(`broken on purpose: ${fault} on ${node}`);
        const report = await found(fault, node, fault === 'backend-down' ? ['error', 'warning'] : ['error']);
        expect(report.breaks.map((x) => `${x.fault} ${x.node}`)).toEqual([`${fault} ${node}`]);
        if (how === 'fix') return fixAndServe();
        const r = how === 'undo' ? await lblab(['break', LAB, '--undo', fault, node]) : await lblab(['up', file]);
        expect(r.code, r.stderr).toBe(0);
        const after = JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus;
        expect(after.state, after.reason).toBe('running');
        await serving();
        expect(alarms((await doctor()).report)).toEqual([]);
      });
    }

    it('a fault that does not apply: one line, nothing recorded', async () => {
      await toMode('dsr');
      const r = await lblab(['break', LAB, 'return-path', 'web1']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('lblab: return-path applies to a nat backend; web1 is not one in the lab\'s current modes');
      expect((JSON.parse((await lblab(['status', LAB, '--json'])).stdout) as LabStatus).state).toBe('running');
    });
  });

  describe.sequential('arp flux where the clients share the servers\' segment', () => {
    /**
     * client1 asks who has the VIP and a capture there sees `node` answer (beside the balancer). Which
     * answer the client keeps is a race the kernel decides (the first one within arp locktime), so
     * the symptom checked is the answer itself, not where the requests go after it.
     */
    async function vipAnsweredBy(node: string): Promise<boolean> {
      const mac = docker('exec', container(node), 'cat', '/sys/class/net/eth0/address').trim();
      for (let i = 0; i < 3; i++) {
        const seen = dockerExec('client1', `timeout 2 tcpdump -enli eth0 arp 2>/dev/null & sleep 0.5; ip neigh flush to ${vip()}; ping -c 1 -W 1 ${vip()} >/dev/null; wait`);
        if (seen.includes(`${vip()} is-at ${mac}`)) return true;
      }
      return false;
    }

    /** The MAC client1's neighbour table holds for the VIP now ('' when none). */
    const clientVipMac = (): string => (JSON.parse(dockerExec('client1', `ip -j neigh show ${vip()}`) || '[]') as { lladdr?: string }[])
      .find((e) => e.lladdr)?.lladdr?.toLowerCase() ?? '';

    it('deploys labs/dsr.lab.yaml; it serves from every server', async () => {
      lab = ARP_LAB;
      const r = await (arpUp ?? lblab(['up', arpFile]));
      expect(r.code, r.stderr).toBe(0);
      status = JSON.parse((await lblab(['status', ARP_LAB, '--json'])).stdout) as LabStatus;
      await serving();
    });

    it('by hand: web2 answers ARP for the VIP beside the balancer; found, fixed', async () => {
      sysctlByHand('web2', 'echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore; echo 0 > /proc/sys/net/ipv4/conf/all/arp_announce');
      expect(await vipAnsweredBy('web2')).toBe(true);
      const report = await found('arp-flux', 'web2');
      // which answer client1 kept is the kernel's race: the doctor's evidence must say what the client holds
      const web2Mac = docker('exec', container('web2'), 'cat', '/sys/class/net/eth0/address').trim().toLowerCase();
      const resolved = /resolved VIP .* which is web2's/.test(report.findings[0].evidence.join('\n'));
      expect(resolved, `client1 holds ${clientVipMac()} for the VIP; web2 is ${web2Mac}`).toBe(clientVipMac() === web2Mac);
      await fixAndServe();
    });

    it('with lblab break, undone with break --undo', async () => {
      const b = await lblab(['break', ARP_LAB, 'arp-flux', 'web2']);
      expect(b.code, b.stderr).toBe(0);
      expect(await vipAnsweredBy('web2')).toBe(true);
      await found('arp-flux', 'web2');
      const u = await lblab(['break', ARP_LAB, '--undo']);
      expect(u.code, u.stderr).toBe(0);
      await serving();
    });
  });
});
