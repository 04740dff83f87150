// The invalid-lab corpus: each file's first line says the one-line error it must produce.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile, LabFileError, parseLabText } from '../../../electron/engine/topology/index';

const dir = path.join(import.meta.dirname, 'invalid');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.lab.yaml')).sort();

describe('invalid lab corpus', () => {
  it('has at least 25 cases', () => expect(files.length).toBeGreaterThanOrEqual(25));

  for (const f of files) {
    it(f, async () => {
      const file = path.join(dir, f);
      const first = fs.readFileSync(file, 'utf8').split('\n')[0];
      const m = /^# expect: (.+)$/.exec(first);
      expect(m, `${f} must start with "# expect: <message>"`).toBeTruthy();
      const err = await loadLabFile(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LabFileError);
      const msg = (err as Error).message;
      expect(msg.split('\n')).toHaveLength(1);
      expect(msg.startsWith(`${file}: `)).toBe(true);
      expect(msg).toContain(m![1]);
      // the issue names what it is about so the UI can mark it
      const issue = (err as LabFileError).issues[0];
      if (issue.path[0] === 'nodes' && typeof issue.path[1] === 'string') expect(issue.node).toBe(issue.path[1]);
      if (issue.path[0] === 'services' && typeof issue.path[1] === 'string') expect(issue.service).toBe(issue.path[1]);
    });
  }
});

describe('parseLabText', () => {
  it('returns a schema-valid doc with its topology issues so the UI can draw and mark it', () => {
    const text = fs.readFileSync(path.join(dir, 'dsr-across-router.lab.yaml'), 'utf8');
    const r = parseLabText(text);
    expect(r.doc?.name).toBe('bad');
    expect(r.issues[0]).toMatchObject({ path: ['services', 'web', 'backends', 0], service: 'web', node: 'web1' });
  });

  it('returns no doc when the schema fails', () => {
    const r = parseLabText('name: x\nnetworks: {}\nnodes: { a: { kind: server } }\n');
    expect(r.doc).toBeUndefined();
    expect(r.issues[0]).toMatchObject({ path: ['nodes', 'a', 'links'], message: 'links is missing (required)', node: 'a', where: 'a' });
  });

  it('reports an unknown network link with the network attribution of the node', () => {
    const r = parseLabText('name: x\nnetworks: { front: {} }\nnodes: { a: { kind: server, links: [{ network: back }] } }\n');
    expect(r.issues).toEqual([{ path: ['nodes', 'a', 'links', 0, 'network'], message: 'unknown network "back" (known: front)', node: 'a', where: "a's link to back" }]);
  });
});
