// Labs on a remote Docker engine, reached the ways Docker itself offers — no
// agent of ours. test/support/remote-engines.ts makes a network namespace
// joined to the host by a veth (198.19.255.0/30) and serves two engines from it:
//   - ssh://root@198.19.255.2: an sshd in the namespace, with sshd's default
//     MaxSessions (10 channels per connection); the remote side runs
//     `docker system dial-stdio`, which reaches this machine's engine;
//   - tcp://198.19.255.2:2376: a second dockerd with TLS, its own data root,
//     no images — so the lab images are sent to it from this machine's engine
//     (docker save → load).
// Both are Docker contexts in a temporary DOCKER_CONFIG: ssh is chosen with
// `lblab --engine`, TLS as the config's currentContext. Over each: `lblab
// engines`, up, status, requests through the VIP spread over the backends,
// a live mode switch, a journey, a capture, exec, a lock held on the engine,
// down, gc — and nothing left (plus a short comparison over TLS). A wrong TLS certificate and an engine that refuses fail in one line
// and create nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineDescription, LabStatus } from '../../electron/api';
import { gcArgs, LAB_PREFIX } from '../support/labs';
import { RemoteEngines, remoteEnginesMissing } from '../support/remote-engines';
import { skipIf } from '../support/skip';

const why = remoteEnginesMissing();
const re = why ? undefined : new RemoteEngines();
const NS_IP = re?.o.nsIp ?? '';
const dir = re?.dir ?? '';
const home = re?.home ?? '';
const lblab = (args: string[], timeoutMs?: number, onStderr?: (chunk: string) => void) => re!.lblab(args, timeoutMs, onStderr);
const lblabOk = (args: string[], timeoutMs?: number) => re!.lblabOk(args, timeoutMs);
const dockerOn = (context: string, args: string[]) => re!.dockerOn(context, args);

const LAB = `${LAB_PREFIX}re`;
const labYaml = (name: string) => `name: ${name}
networks:
  front: { subnet: 198.18.236.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front } ] }
  web1: { kind: server, links: [ { network: front } ] }
  web2: { kind: server, links: [ { network: front } ] }
services:
  web: { balancer: lb, port: 80, mode: dsr, scheduler: rr, backends: [ web1, web2 ] }
`;
const labFile = () => {
  const f = path.join(dir, `${LAB}.lab.yaml`);
  if (!fs.existsSync(f)) fs.writeFileSync(f, labYaml(LAB));
  return f;
};

/** lblab-made objects on an engine: lab containers, networks, volumes and lab locks. */
function leftovers(context: string): string[] {
  const list = (args: string[]) => dockerOn(context, args).split('\n').map((s) => s.trim()).filter(Boolean);
  return [
    ...list(['ps', '-a', '--filter', `label=io.lblab.lab=${LAB}`, '--format', 'container {{.Names}}']),
    ...list(['ps', '-a', '--filter', `label=io.lblab.lock=${LAB}`, '--format', 'lock {{.Names}}']),
    ...list(['network', 'ls', '--filter', `label=io.lblab.lab=${LAB}`, '--format', 'network {{.Name}}']),
    ...list(['volume', 'ls', '--filter', `label=io.lblab.lab=${LAB}`, '--format', 'volume {{.Name}}']),
  ];
}

beforeAll(async () => {
  await re?.up();
}, 180_000);

afterAll(async () => {
  if (!re) return;
  for (const engine of ['re-tls', 're-ssh']) await lblab(['--engine', engine, 'down', LAB], 120_000).catch(() => undefined);
  await re.stop();
}, 240_000);

describe('remote Docker engines', skipIf(why), () => {
  it('lblab engines: the contexts, which is current, what each engine is, which does not answer', async () => {
    const r = await lblab(['engines', '--json'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const { engines } = JSON.parse(r.stdout) as { engines: EngineDescription[] };
    const by = (n: string) => engines.find((e) => e.name === n)!;
    expect(engines.map((e) => e.name).sort()).toEqual(['default', 're-badtls', 're-ssh', 're-tls']);
    expect(engines.filter((e) => e.current).map((e) => e.name)).toEqual(['re-tls']); // the config's currentContext
    for (const n of ['re-ssh', 're-tls']) {
      expect(by(n).answers, `${n}: ${by(n).problem}`).toBe(true);
      expect(by(n).osType).toBe('linux');
      expect(by(n).kernel).toMatch(/^\d+\.\d+/);
      expect(by(n).cpus).toBeGreaterThan(0);
      expect(by(n).memoryBytes).toBeGreaterThan(0);
      expect(by(n).ebpf?.ok).toBe(true);
    }
    expect(by('re-ssh').transport).toBe('ssh');
    expect(by('re-tls').tls).toBe('verify');
    expect(by('re-badtls').answers).toBe(false);
    expect(by('re-badtls').problem).toMatch(/TLS/);
    // the table: one row per engine, and the ssh one chosen with --engine is marked current
    const t = await lblab(['--engine', 're-ssh', 'engines'], 60_000);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^\*\s+re-ssh\s+ssh:\/\/root@198\.19\.255\.2\s+yes/m);
    expect(t.stdout).toMatch(/^\s+re-badtls\s.*\sno\s/m);
    expect(t.stdout).not.toMatch(/\n\s+at /); // no stack traces
  });

  it('a wrong TLS certificate or an engine that refuses: one line, nothing created', async () => {
    for (const args of [['--engine', 're-badtls', 'up', labFile()], ['--engine', `tcp://${NS_IP}:2377`, 'up', labFile()]]) {
      const r = await lblab(args, 60_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(args[1] === 're-badtls' ? /^lblab: .*TLS/ : /^lblab: .*refused the connection/);
    }
    expect(leftovers('re-tls')).toEqual([]);
  });

  it('a lab spread over this machine and the TLS engine, which are no Swarm: one line saying what to run, nothing created on either', async () => {
    const f = path.join(dir, `${LAB}-spread.lab.yaml`);
    fs.writeFileSync(f, labYaml(LAB).replace('networks:', 'hosts: { h1: default, h2: re-tls }\nnetworks:').replace('web2: { kind: server,', 'web2: { kind: server, host: h2,'));
    const r = await lblab(['--engine', 'default', 'up', f], 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    // this machine's engine may itself be in a Swarm (not the TLS engine's, which is in none)
    const local = dockerOn('default', ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}']).trim();
    expect(r.stderr.trim()).toBe(
      local === 'inactive false' ? 'lblab: hosts h1, h2 are not one Docker Swarm: run `docker swarm init` on h1, then the `docker swarm join …` it prints on h2'
      : local === 'active true' ? 'lblab: host h2 is not in the Docker Swarm of h1: run `docker swarm join-token worker` on h1 and the `docker swarm join …` it prints on h2'
      : "lblab: host h1, the lab's first host, is not a manager of its Docker Swarm: overlays are made there; promote it (`docker node promote`) or put a manager first",
    );
    expect(leftovers('re-tls')).toEqual([]);
    expect(leftovers('default')).toEqual([]);
  });

  it('an ssh host key that is unknown or changed is refused, in one line', async () => {
    const known = path.join(home, '.ssh/known_hosts');
    const saved = fs.readFileSync(known, 'utf8');
    try {
      fs.writeFileSync(known, '');
      let r = await lblab(['--engine', 're-ssh', 'status', LAB], 60_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(new RegExp(`^lblab: the ssh host key of 198\\.19\\.255\\.2 is not in ${known.replace(/[./]/g, '\\$&')}: connect once with \`ssh root@198\\.19\\.255\\.2\` to check and accept it$`));
      // another key for the host: refused even though the server would let us in
      fs.writeFileSync(known, `${NS_IP} ${fs.readFileSync(path.join(home, '.ssh/id_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`);
      r = await lblab(['--engine', 're-ssh', 'status', LAB], 60_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^lblab: the ssh host key of 198\.19\.255\.2 is not the one in \S+known_hosts: refusing to connect/);
    } finally {
      fs.writeFileSync(known, saved);
    }
  });

  // the same lab on each engine, one after the other (the ssh one is this machine's engine)
  describe.each([
    { engine: 're-tls', args: [] as string[], transfer: true },
    { engine: 're-ssh', args: ['--engine', 're-ssh'], transfer: false },
  ])('over $engine', ({ engine, args, transfer }) => {
    // the docker CLI's ssh reads the passwd user's ~/.ssh, not the test's HOME: it checks the
    // ssh engine through this machine's socket, which is the engine sshd's dial-stdio reaches
    const cli = engine === 're-ssh' ? 'default' : engine;
    let status: LabStatus;
    const run = (a: string[], ms?: number) => lblabOk([...args, ...a], ms);
    const vipSpread = async () => {
      const vip = status.services[0].vip;
      const out = await run(['exec', LAB, 'client1', '--', 'sh', '-c', `for i in 1 2 3 4 5 6 7 8; do curl -s -m 3 http://${vip}:80/x; done`], 120_000);
      const served = out.split('\n').filter((l) => l.startsWith('served by ')).map((l) => l.split(':')[0].slice('served by '.length));
      expect(served.length, out).toBe(8); // every request through the VIP answered
      expect(new Set(served).size, out).toBe(2); // rr over both backends
    };

    it.sequential('deploys (images sent from this machine when the engine lacks them) and reports the lab running', async () => {
      const logins = re!.sshLogins();
      const r = await lblab([...args, 'up', labFile()], 900_000);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      // over ssh: a few connections carry the deploy's requests (each a channel), not one per request
      if (engine === 're-ssh') expect(re!.sshLogins() - logins).toBeLessThanOrEqual(4);
      if (transfer) expect(r.stderr).toMatch(/sen[dt]\w* \d+ images?/);
      status = JSON.parse(await run(['status', LAB, '--json']));
      expect(status.state).toBe('running');
      expect(status.nodes.map((n) => n.name).sort()).toEqual(['client1', 'lb', 'web1', 'web2']);
      expect(dockerOn(cli, ['ps', '--filter', `label=io.lblab.lab=${LAB}`, '--format', '{{.Names}}']).trim().split('\n')).toHaveLength(4);
    }, 900_000);

    it.sequential('dsr through the eBPF core: every request through the VIP answered, spread over the backends', async () => {
      await vipSpread();
    });

    it.sequential('a live mode switch (dsr → tunnel), then the VIP still answers from both backends', async () => {
      expect((await run(['mode', LAB, 'web', 'tunnel'], 300_000)).trim()).toMatch(/^web tunnel 198\.18\.236\.\d+:80$/);
      status = JSON.parse(await run(['status', LAB, '--json']));
      expect(status.services[0].mode).toBe('tunnel');
      await vipSpread();
    });

    it.sequential('a journey follows one request hop by hop; a capture streams the packets back', async () => {
      const j = JSON.parse(await run(['journey', LAB, '--json'], 120_000)) as { mode: string; error?: string; request: { hops: { node: string }[] } };
      expect(j.mode).toBe('tunnel');
      expect(j.error).toBeUndefined();
      expect(j.request.hops.slice(0, 2).map((h) => h.node)).toEqual(['client1', 'lb']);
      const vip = status.services[0].vip;
      // the requests once it says it captures (it says so once tcpdump listens)
      let said = '';
      let capturing!: () => void;
      const started = new Promise<void>((r) => (capturing = r));
      const cap = lblab([...args, 'capture', LAB, 'lb', '--count', '3', '--duration', '30', '--filter', `host ${vip}`], 120_000, (chunk) => {
        said += chunk;
        if (said.includes('capturing on')) capturing();
      });
      await Promise.race([started, cap]);
      await run(['exec', LAB, 'client1', '--', 'sh', '-c', `for i in 1 2 3; do curl -s -o /dev/null -m 3 http://${vip}:80/x; done`], 60_000);
      const c = await cap;
      expect(c.code, c.stderr).toBe(0);
      const lines = c.stdout.trim().split('\n');
      expect(lines, c.stderr).toHaveLength(3);
      for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} lb:\S+ IP /);
    });

    // over TLS only: the comparison drives the engine like the rest, and it costs half a minute
    if (transfer) it.sequential('a short comparison of two modes runs and puts the lab back', async () => {
      const c = JSON.parse(await run(['compare', LAB, '--modes', 'dsr,tunnel', '--duration', '1', '--warmup', '0', '--repeat', '1', '--object', '1k', '--json'], 240_000)) as { complete: boolean; runs: unknown[] };
      expect(c.complete).toBe(true);
      expect(c.runs).toHaveLength(2);
      status = JSON.parse(await run(['status', LAB, '--json']));
      expect(status.services[0].mode).toBe('tunnel');
    }, 300_000);

    it.sequential('exec passes output and exit codes through', async () => {
      const r = await lblab([...args, 'exec', LAB, 'web1', '--', 'sh', '-c', 'hostname; exit 3']);
      expect(r.code).toBe(3);
      expect(r.stdout.trim()).toMatch(/^\S+$/); // the container's host name, passed through
    });

    it.sequential('the lab lock lives on the engine: a lock held from another host stops a change, in one line', async () => {
      const owner = JSON.stringify({ pid: 4242, op: 'deploy', nonce: 'x', since: Date.now(), host: 'elsewhere.example', machine: 'not-this-one' });
      dockerOn(cli, ['create', '--name', `lblab-lock-${LAB}`, '--network', 'none', '--label', `io.lblab.lock=${LAB}`, '--label', `io.lblab.lock.owner=${owner}`, 'lblab/lock:1', '/lock']);
      try {
        const r = await lblab([...args, 'down', LAB]);
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toMatch(/^lblab: lab \S+ is being deployed by another lblab \(pid 4242 on elsewhere\.example, since .* stale after \d+ min more\)$/);
        // gc leaves a live foreign lock alone
        await run(gcArgs());
        expect(leftovers(cli)).toContain(`lock lblab-lock-${LAB}`);
      } finally {
        dockerOn(cli, ['rm', '-f', `lblab-lock-${LAB}`]);
      }
    });

    it.sequential('down and gc leave nothing on the engine', async () => {
      await run(['down', LAB], 300_000);
      await run(gcArgs());
      expect(leftovers(cli)).toEqual([]);
    }, 600_000);
  });
});
