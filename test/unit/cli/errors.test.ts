// The CLI's failure contract: one line `lblab: ...` on stderr, exit 2 for
// usage errors, exit 1 for failures, never a stack trace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli';

const T = 30_000;

function expectOneLine(stderr: string) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^lblab: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack
}

describe('lblab usage errors (exit 2)', () => {
  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['up'], /missing required argument 'file'/],
    [['exec', 'lab1'], /missing required argument 'node'/],
    [['mode', 'lab1', 'web', 'teleport'], /must be one of dsr, tunnel, nat, snat, l4proxy, l7/],
    [['status', 'Not_A_Name'], /lowercase letters, digits and dashes/],
    [['serve', '--port', 'x'], /port number/],
    [['status', 'lab1', '--frobnicate'], /unknown option '--frobnicate'/],
    [['journey', 'lab1', '--family', '5'], /option '--family <family>' argument '5' is invalid\. must be 4 or 6/],
    [['compare', 'lab1', '--family', 'v6'], /option '--family <family>' argument 'v6' is invalid\. must be 4 or 6/],
    [['compare', 'lab1', '--hooks', 'tc,xdpdrv'], /option '--hooks <list>' argument 'tc,xdpdrv' is invalid\. unknown hook xdpdrv: a comma-separated list of tc, xdp/],
  ])('lblab %j', async (args, msg) => {
    const r = await runCli(args as string[]);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe('');
  }, T);

  it('no arguments: usage on stderr, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: lblab/);
  }, T);

  it('--help: exit 0 with the command list on stdout', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['up', 'status', 'exec', 'mode', 'down', 'gc', 'stats', 'serve', 'images']) expect(r.stdout).toContain(`${c} `);
  }, T);
});

describe('lblab failures (exit 1, one line)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-cli-'));

  it('a malformed lab file names the file and the line', async () => {
    const f = path.join(dir, 'broken.lab.yaml');
    fs.writeFileSync(f, 'name: broken\nnodes:\n  a: { kind: client\n  links: [ }\n');
    const r = await runCli(['up', f]);
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(f);
  }, T);

  it('a lab file with a bad field names the field', async () => {
    const f = path.join(dir, 'badfield.lab.yaml');
    fs.writeFileSync(f, 'name: badfield\nnetworks: { front: {} }\nnodes:\n  c1: { kind: spaceship, links: [{ network: front }] }\n');
    const r = await runCli(['up', f]);
    expect(r.code, r.stderr).toBe(1);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/c1/);
    expect(r.stderr).toMatch(/kind/);
  }, T);

  it('a missing file', async () => {
    const r = await runCli(['up', path.join(dir, 'nope.lab.yaml')]);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain('nope.lab.yaml');
  }, T);

  it('an unknown lab', async () => {
    for (const args of [['status', 'lblab-no-such-lab'], ['exec', 'lblab-no-such-lab', 'n1', '--', 'true'], ['mode', 'lblab-no-such-lab', 'web', 'nat']]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expectOneLine(r.stderr);
      // without an engine the line says how to start Docker instead
      expect(r.stderr).toMatch(/no lab named lblab-no-such-lab|no Docker engine/);
    }
  }, 60_000);

  it('no Docker engine: the how-to-start line', async () => {
    const r = await runCli(['status', 'any-lab'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/no Docker engine found/);
  }, T);

  it('LBLAB_DEBUG=1 adds the stack', async () => {
    const r = await runCli(['status', 'any-lab'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', LBLAB_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
  }, T);
});
