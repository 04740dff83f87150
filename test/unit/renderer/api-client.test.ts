// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { bridgeClient, oneLine, webClient } from '../../../renderer/api-client';
import type { PreloadBridge } from '../../../electron/api';

const reply = (status: number, body: string, statusText = '') => vi.fn(async () => new Response(body, { status, statusText, headers: { 'content-type': 'application/json' } }));

describe('api-client web transport', () => {
  it('posts {method,args} and returns result', async () => {
    const fetch = reply(200, JSON.stringify({ result: { name: 'x', state: 'absent' } }));
    const { api } = webClient({ fetch, base: 'http://127.0.0.1:1' });
    await expect(api.status('x')).resolves.toEqual({ name: 'x', state: 'absent' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:1/api/invoke');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ method: 'status', args: ['x'] });
  });

  it('maps a 4xx/5xx {error} to an Error carrying that one line', async () => {
    const { api } = webClient({ fetch: reply(409, JSON.stringify({ error: 'lab demo is already being deployed' })) });
    await expect(api.deploy({ name: 'demo', networks: {}, nodes: {} })).rejects.toThrow(/^lab demo is already being deployed$/);
    const { api: api2 } = webClient({ fetch: reply(500, JSON.stringify({ error: 'docker: no such image\n    at foo (bar.js:1)' })) });
    await expect(api2.info()).rejects.toThrow(/^docker: no such image$/);
  });

  it('explains an error answer without a body, and an unreachable server', async () => {
    const { api } = webClient({ fetch: reply(502, '<html>bad gateway</html>', 'Bad Gateway') });
    await expect(api.listLabs()).rejects.toThrow('listLabs: server answered 502 Bad Gateway');
    const down = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const { api: api2 } = webClient({ fetch: down as unknown as typeof fetch, retryDelayMs: 1 });
    await expect(api2.listLabs()).rejects.toThrow('listLabs: cannot reach the lblab server (Failed to fetch)');
    expect(down).toHaveBeenCalledTimes(7); // a read is retried (network changes abort requests)
  });

  it('retries a read after a dropped request, but never a deploy', async () => {
    let n = 0;
    const flaky = vi.fn(async () => {
      if (n++ === 0) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify({ result: [] }), { status: 200 });
    });
    await expect(webClient({ fetch: flaky as unknown as typeof fetch, retryDelayMs: 1 }).api.stats('x')).resolves.toEqual([]);
    expect(flaky).toHaveBeenCalledTimes(2);
    n = 0;
    flaky.mockClear();
    await expect(webClient({ fetch: flaky as unknown as typeof fetch, retryDelayMs: 1 }).api.deploy({ name: 'x', networks: {}, nodes: {} })).rejects.toThrow('deploy: cannot reach the lblab server');
    expect(flaky).toHaveBeenCalledTimes(1);
  });

  it('unwraps Electron IPC errors to their message', async () => {
    const bridge: PreloadBridge = {
      invoke: async () => {
        throw new Error("Error invoking remote method 'lblab:invoke': ApiError: unknown node web9");
      },
      onEvent: () => () => undefined,
      shell: { openLabFile: async () => null, saveLabFile: async () => null, onMenu: () => () => undefined },
    };
    await expect(bridgeClient(bridge).api.status('x')).rejects.toThrow(/^unknown node web9$/);
    expect(oneLine({ message: 'a\nb' })).toBe('a');
  });

  it('delivers events from the WebSocket and reconnects after a drop', async () => {
    vi.useFakeTimers();
    const sockets: FakeWS[] = [];
    class FakeWS {
      onopen: (() => void) | null = null;
      onmessage: ((m: { data: unknown }) => void) | null = null;
      onclose: (() => void) | null = null;
      constructor(readonly url: string) {
        sockets.push(this);
      }
      close() {}
    }
    const client = webClient({ base: 'http://127.0.0.1:9', WebSocket: FakeWS as unknown as typeof WebSocket });
    const got: unknown[] = [];
    const off = client.onEvent((e) => got.push(e));
    expect(sockets[0].url).toBe('ws://127.0.0.1:9/api/events');
    sockets[0].onmessage!({ data: JSON.stringify({ type: 'log', level: 'info', message: 'hi' }) });
    sockets[0].onmessage!({ data: 'not json' });
    expect(got).toEqual([{ type: 'log', level: 'info', message: 'hi' }]);
    sockets[0].onclose!();
    vi.advanceTimersByTime(600);
    expect(sockets.length).toBe(2);
    off();
    vi.useRealTimers();
  });
});
