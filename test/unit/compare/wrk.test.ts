// wrk's --latency report, from real wrk 4.1 outputs (captured on loopback):
// a clean run, non-2xx answers, read errors, timeouts, an interrupted run and
// a refused connection (no report at all).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineWrk, killWrkScript, LOAD_DONE, loadScript, waitUntilScript, objectPath, parseMarks, parseWrk, parseWrkScript, splitEven, WRK_END, wrkErrors } from '../../../electron/engine/compare/wrk';

const fx = (f: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures/wrk', f), 'utf8');

describe('parseWrk', () => {
  it('a clean run: totals, rates, percentiles in ms, no errors', () => {
    const r = parseWrk(fx('ok-100k.txt'));
    expect(r.requests).toBe(2554);
    expect(r.seconds).toBeCloseTo(2.01);
    expect(r.bytes).toBe(Math.round(249.91 * 1024 ** 2));
    expect(r.requestsPerSec).toBeCloseTo(2554 / 2.01);
    expect(r.latencyMs).toEqual({ p50: 1.09, p90: 3.9, p99: 16.81 });
    expect(wrkErrors(r)).toBe(0);
  });

  it('non-2xx answers count as errors', () => {
    const r = parseWrk(fx('non2xx.txt'));
    expect(r.non2xx).toBe(1066);
    expect(wrkErrors(r)).toBe(1066);
    expect(r.bytes).toBe(Math.round(541.33 * 1024));
  });

  it('socket errors (read, timeout) count as errors; µs latencies convert', () => {
    const read = parseWrk(fx('read-errors.txt'));
    expect(read.socketErrors).toEqual({ connect: 0, read: 7236, write: 0, timeout: 0 });
    expect(read.requests).toBe(0);
    expect(read.latencyMs.p99).toBe(0);
    const to = parseWrk(fx('timeouts.txt'));
    expect(to.socketErrors.timeout).toBe(8);
    expect(wrkErrors(to)).toBe(8);
    expect(to.latencyMs.p50).toBeCloseTo(43.81);
  });

  it('an interrupted run reports what it did until then', () => {
    const r = parseWrk(fx('interrupted.txt'));
    expect(r.requests).toBe(2008);
    expect(r.seconds).toBeCloseTo(1.62);
  });

  it('no report: one line with wrk\'s own complaint', () => {
    expect(() => parseWrk(fx('connect-refused.txt'))).toThrow(/^wrk printed no result: unable to connect to 127\.0\.0\.1:18090 Connection refused$/);
    expect(() => parseWrk('')).toThrow('wrk printed no result (it was killed or never started)');
  });
});

describe('several wrk at once', () => {
  it('rates add up; percentiles are weighted by requests', () => {
    const a = parseWrk(fx('ok-100k.txt'));
    const b = parseWrk(fx('timeouts.txt'));
    const t = combineWrk([a, b]);
    expect(t.requests).toBe(2584);
    expect(t.requestsPerSec).toBeCloseTo(a.requestsPerSec + b.requestsPerSec);
    expect(t.throughputMbps).toBeCloseTo((a.bytes * 8) / a.seconds / 1e6 + (b.bytes * 8) / b.seconds / 1e6);
    expect(t.latencyMs.p50).toBeCloseTo((1.09 * 2554 + 43.81 * 30) / 2584);
    expect(t.errors).toBe(8);
  });

  it('the load script: targets answer first, then warm-up, then the measured wrk between time marks; pids recorded', () => {
    const s = loadScript({
      urls: ['http://198.18.0.254:80/1m.bin'],
      jobs: [{ target: '198.18.0.254', port: 80, connections: 3 }, { target: '198.18.1.4', port: 8080, connections: 1 }],
      path: '/1m.bin',
      warmup: 1,
      duration: 5,
      tag: 'c1-7-0',
      serveTries: 60,
    });
    const lines = s.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/until curl -gfsS -o \/dev\/null --max-time 2 'http:\/\/198\.18\.0\.254:80\/1m\.bin'.*-ge 60.*exit 3/)).toBeGreaterThan(0);
    expect(lines).toContain("wrk -t2 -c3 -d1s --timeout 5s --latency 'http://198.18.0.254:80/1m.bin' > /tmp/lblab-wrk-c1-7-0/w0 2>&1 &");
    expect(lines).toContain("wrk -t2 -c3 -d5s --timeout 5s --latency -H 'X-Lblab-Count: 1' 'http://198.18.0.254:80/1m.bin' > /tmp/lblab-wrk-c1-7-0/0 2>&1 &");
    expect(lines).toContain("wrk -t1 -c1 -d5s --timeout 5s --latency -H 'X-Lblab-Count: 1' 'http://198.18.1.4:8080/1m.bin' > /tmp/lblab-wrk-c1-7-0/1 2>&1 &");
    expect(at(/^echo "mark serving"$/)).toBeLessThan(at(/-d1s/));
    expect(at(/mark start/)).toBeGreaterThan(at(/-d1s/));
    expect(at(/mark start/)).toBeLessThan(at(/-d5s/));
    expect(at(/mark end/)).toBeGreaterThan(at(/-d5s/));
    expect(lines.filter((l) => l === 'echo $! >> /tmp/lblab-wrk-c1-7-0/pids')).toHaveLength(4);
    expect(lines.at(-1)).toBe(`echo '${LOAD_DONE}'`);
    expect(loadScript({ urls: [], jobs: [{ target: 'x', port: 80, connections: 1 }], path: '/', warmup: 0, duration: 1, tag: 't', serveTries: 1 })).not.toMatch(/-d0s/);
    expect(killWrkScript('c1')).toContain('/tmp/lblab-wrk-c1-*/pids');
  });

  it('several clients start together: the script waits until the given wall-clock ms, not for a time past or far off', async () => {
    const { execFileSync } = await import('node:child_process');
    const run = (t: number) => {
      const t0 = Date.now();
      execFileSync('sh', ['-c', waitUntilScript(t)]);
      return Date.now() - t0;
    };
    const waited = run(Date.now() + 400);
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1500);
    expect(run(Date.now() - 1000)).toBeLessThan(300);
    expect(run(Date.now() + 60_000)).toBeLessThan(300);
    const s = loadScript({ urls: ['u'], jobs: [{ target: 'x', port: 80, connections: 1 }], path: '/', warmup: 1, duration: 1, tag: 't', serveTries: 1, startAt: 1_700_000_000_000 });
    const lines = s.split('\n');
    expect(lines.findIndex((l) => l.includes('1700000000000 - now'))).toBeLessThan(lines.findIndex((l) => l.includes('mark start')));
    expect(lines.findIndex((l) => l.includes('1700000000000 - now'))).toBeGreaterThan(lines.findIndex((l) => l.includes('-d1s --timeout 5s --latency \'')));
  });

  it('the load output: marks in ms of uptime, reports split back per job', () => {
    const out = `mark serving\nmark start 12345.67\nmark end 12350.70\n${fx('ok-100k.txt')}${WRK_END}\n${fx('non2xx.txt')}${WRK_END}\n`;
    expect(parseMarks(out)).toEqual({ start: 12345670, end: 12350700 });
    expect(parseWrkScript(out, 2).map((r) => r.requests)).toEqual([2554, 1066]);
    expect(() => parseWrkScript(`${fx('ok-100k.txt')}${WRK_END}\n`, 2)).toThrow(/1 of 2 reports/);
    expect(() => parseWrkScript(`${WRK_END}\n${WRK_END}\n`, 2)).toThrow(/wrk printed no result/);
    expect(parseMarks('mark serving\n')).toEqual({ start: undefined, end: undefined });
  });

  it('objects and connection splits', () => {
    expect(objectPath('1m')).toBe('/1m.bin');
    expect(objectPath('/index.html')).toBe('/index.html');
    expect(splitEven(12, 5)).toEqual([3, 3, 2, 2, 2]);
    expect(splitEven(2, 2)).toEqual([1, 1]);
  });
});
