// The engine's LabApi surface that needs no Docker: lab-file methods delegate
// to topology, failures come out as one-line ApiErrors with the right code.
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, dispatch } from '../../../electron/api';
import { EngineError, toApiError } from '../../../electron/engine/errors';
import { createLabEngine } from '../../../electron/engine/lab-engine';

const engine = createLabEngine();
afterAll(() => engine.close());

describe('lab engine (no Docker)', () => {
  it('parses, validates and formats lab files', async () => {
    const r = await engine.parseLab('name: t1\nnetworks: { front: {} }\nnodes:\n  c1: { kind: client, links: [{ network: front }] }\n');
    expect(r.issues).toEqual([]);
    expect(r.doc?.name).toBe('t1');
    expect((await engine.validateLab(r.doc!)).ok).toBe(true);
    expect(await engine.formatLab(r.doc!)).toMatch(/^name: t1/m);
  });

  it('reports a malformed file as issues, not as an exception', async () => {
    const r = await engine.parseLab('name: [\n');
    expect(r.doc).toBeUndefined();
    expect(r.issues.length).toBeGreaterThan(0);
  });

  it('templates: a list, each loadable; an unknown id is not-found', async () => {
    const list = await engine.listTemplates();
    expect(list.length).toBeGreaterThan(0);
    expect((await engine.getTemplate(list[0].id)).nodes).toBeTruthy();
    await expect(engine.getTemplate('no-such-template')).rejects.toMatchObject({ name: 'ApiError', code: 'not-found' });
  });

  it('untrusted calls are checked before the engine runs', async () => {
    await expect(dispatch(engine, 'status', ['Not A Name'])).rejects.toMatchObject({ code: 'bad-request' });
    await expect(dispatch(engine, 'setMode', ['lab', 'web', 'warp'])).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('maps failures to one-line ApiErrors', () => {
    const noSock = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    expect(toApiError(noSock).message).toMatch(/^no Docker engine found/);
    expect(toApiError(new EngineError('node a: x\nmore', 'conflict'))).toMatchObject({ message: 'node a: x', code: 'conflict' });
    expect(toApiError(new Error('(HTTP code 500) server error - boom\ntrace'))).toMatchObject({ message: 'boom', code: 'engine' });
    const same = new ApiError('x', 'not-found');
    expect(toApiError(same)).toBe(same);
  });

  it('info reports the version and the engine', async () => {
    const i = await engine.info();
    expect(i.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof i.docker.available).toBe('boolean');
  });
});
