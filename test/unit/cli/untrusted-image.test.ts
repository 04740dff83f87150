// `lblab up` refuses a node whose image is not lblab's own unless the lab file
// trusts it, before it talks to Docker at all: here Docker is pointed at a
// socket that does not exist, so reaching it would say so instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli';

const LAB = (image: string) => `name: it-guard-untrusted
networks:
  front: { subnet: 198.19.240.0/24 }
nodes:
  c1: { kind: client, links: [{ network: front }] }
  lb: { kind: balancer, links: [{ network: front }] }
  web1: { kind: server, image: "${image}", links: [{ network: front }] }
services:
  web: { balancer: lb, mode: dsr, backends: [web1] }
`;

describe('lblab up with a foreign image', () => {
  it('fails with one line naming the node, the image and trust: true, before Docker', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-trust-'));
    try {
      const f = path.join(dir, 'untrusted.lab.yaml');
      fs.writeFileSync(f, LAB('nginx:1.27'));
      const r = await runCli(['up', f], { env: { DOCKER_HOST: `unix://${path.join(dir, 'no-docker.sock')}` } });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toBe(
        `lblab: ${f}: nodes.web1.image: node web1: image "nginx:1.27" is not one of lblab's own (lblab/client, lblab/server, lblab/balancer, lblab/router) and would run with NET_ADMIN and SYS_ADMIN; add "trust: true" to node web1 to allow it`,
      );
      expect(r.stdout).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
