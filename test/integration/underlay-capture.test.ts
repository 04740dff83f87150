// The underlay capture on a real engine: a host-network container with
// tcpdump sees real VXLAN made by the kernel. A network namespace of the
// test holds a VXLAN device (VNI 4097, UDP 4789) whose underlay is a veth
// pair to the host (198.19.253.0/30): what it sends through the overlay
// reaches the host's network wrapped, where the capture container listens.
// Afterwards no container of the capture is left, also when the work it
// watched failed or the capture could not start.
import { execFileSync, spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../electron/engine/docker/client';
import { LABEL } from '../../electron/engine/docker/labels';
import { imageRef } from '../../electron/engine/images/refs';
import { field, fieldValues } from '../../electron/engine/capture/display-filter';
import { captureUnderlayDuring } from '../../electron/engine/journey/underlay-capture';
import { underlayFrames } from '../../electron/engine/journey/underlay';

const NS = 'vxucap';
const HOST_END = 'vxuh0';
const LAB = 'vxunderlay';
const TOKEN = `vxtoken-${process.pid}`;
const sh = (script: string) => execFileSync('bash', ['-ec', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function teardown(): void {
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  spawnSync('ip', ['link', 'del', HOST_END], { stdio: 'ignore' });
}

/** One UDP datagram through the overlay (a static neighbour: no ARP needed). */
const sendThroughOverlay = () => sh(`ip netns exec ${NS} python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"${TOKEN}", ("198.19.253.10", 9))'`);

const leftovers = async () => (await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.lab}=${LAB}`] }) })).map((c) => c.Names[0]);

describe('underlay capture in a host-network container', () => {
  const image = imageRef('router');

  beforeAll(() => {
    teardown();
    sh(`
      ip netns add ${NS}
      ip netns exec ${NS} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
      ip link add ${HOST_END} type veth peer name vxun0 netns ${NS}
      ip addr add 198.19.253.1/30 dev ${HOST_END}
      ip link set ${HOST_END} up
      ip -n ${NS} addr add 198.19.253.2/30 dev vxun0
      ip -n ${NS} link set vxun0 up
      ip -n ${NS} link add vx0 address 02:42:0a:00:01:0a type vxlan id 4097 remote 198.19.253.1 local 198.19.253.2 dstport 4789 dev vxun0
      ip -n ${NS} addr add 198.19.253.9/30 dev vx0
      ip -n ${NS} link set vx0 up
      ip -n ${NS} neigh add 198.19.253.10 lladdr 02:42:0a:00:01:0b dev vx0
    `);
    expect(spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status, `${image} is missing: node bin/lblab.mjs images build`).toBe(0);
  });
  afterAll(teardown);

  it('returns the VXLAN frames the host saw, decoded, with the interface and the way they went', async () => {
    const { result, files } = await captureUnderlayDuring([{ host: 'h1', client: docker() }], { lab: LAB, image }, async () => {
      sendThroughOverlay();
      await new Promise((r) => setTimeout(r, 300));
      return 'sent';
    });
    expect(result).toBe('sent');
    expect(files).toHaveLength(1);
    expect(files[0].host).toBe('h1');
    const frames = underlayFrames(files).filter((f) => Buffer.from(f.raw).includes(TOKEN));
    expect(frames.length, 'the datagram was captured once, on the host end of the veth').toBe(1);
    const f = frames[0];
    expect(f).toMatchObject({ node: 'h1', iface: HOST_END, direction: 'in', underlay: true });
    expect(field(f.packet as never, 'vxlan.vni')).toBe(4097);
    expect(fieldValues(f.packet as never, 'ip.src')).toEqual(['198.19.253.2', '198.19.253.9']);
    expect(fieldValues(f.packet as never, 'udp.dstport')).toEqual([4789, 9]);
    expect(f.packet.summary).toMatch(/^ifindex \d+ In IP 198\.19\.253\.2\.\d+ > 198\.19\.253\.1\.4789: VXLAN VNI 4097 · IP 198\.19\.253\.9\.\d+ > 198\.19\.253\.10\.9: UDP, length \d+$/);
    expect(await leftovers()).toEqual([]);
  });

  it('removes its container when the work it watched fails', async () => {
    await expect(captureUnderlayDuring([{ host: 'h1', client: docker() }], { lab: LAB, image }, async () => {
      throw new Error('the request failed');
    })).rejects.toThrow('the request failed');
    expect(await leftovers()).toEqual([]);
  });

  it('an engine whose capture cannot start: one line naming the host, the work still runs, nothing left', async () => {
    const r = await captureUnderlayDuring([{ host: 'h1', client: docker() }], { lab: LAB, image: 'lblab/router:vxmissing' }, async () => 'ran');
    expect(r).toEqual({ result: 'ran', files: [], skipped: ['host h1: the underlay capture could not start: No such image: lblab/router:vxmissing'] });
    expect(await leftovers()).toEqual([]);
  });

  it('two engines, one failing: the other still captures', async () => {
    const r = await captureUnderlayDuring([{ host: 'h1', client: docker() }, { host: 'h2', client: new Docker({ socketPath: '/nonexistent/vx.sock' }) }], { lab: LAB, image }, async () => {
      sendThroughOverlay();
      await new Promise((res) => setTimeout(res, 300));
      return 'sent';
    });
    expect(r.files.map((f) => f.host)).toEqual(['h1']);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatch(/^host h2: the underlay capture could not start: .*ENOENT/);
    expect(underlayFrames(r.files).filter((f) => Buffer.from(f.raw).includes(TOKEN))).toHaveLength(1);
    expect(await leftovers()).toEqual([]);
  });
});
