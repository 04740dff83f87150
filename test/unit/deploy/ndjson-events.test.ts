import { describe, expect, it } from 'vitest';
import { NdjsonSplitter } from '../../../electron/engine/events/ndjson';
import { toNodeEvent } from '../../../electron/engine/events/node-events';

const ev = (action: string, attrs: Record<string, string> = {}) => ({
  Type: 'container',
  Action: action,
  Actor: { ID: 'abc', Attributes: { 'io.lblab.managed': 'true', 'io.lblab.lab': 'l1', 'io.lblab.node': 'web1', ...attrs } },
});

describe('NdjsonSplitter', () => {
  it('joins records split across chunks, even inside a multi-byte character', () => {
    const text = `${JSON.stringify({ a: 'é☃' })}\n${JSON.stringify({ b: 2 })}\n`;
    const bytes = Buffer.from(text);
    const s = new NdjsonSplitter();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...s.push(bytes.subarray(i, i + 3)));
    expect(out).toEqual([{ a: 'é☃' }, { b: 2 }]);
  });

  it('keeps an incomplete record until its newline, skips garbage', () => {
    const s = new NdjsonSplitter();
    expect(s.push('{"x":1}\nnot json\n{"y"')).toEqual([{ x: 1 }]);
    expect(s.push(':2}\n')).toEqual([{ y: 2 }]);
  });
});

describe('toNodeEvent', () => {
  it.each([
    ['start', 'running'],
    ['die', 'exited'],
    ['stop', 'exited'],
    ['destroy', 'missing'],
    ['pause', 'paused'],
    ['create', 'created'],
  ])('%s → %s', (action, state) => {
    expect(toNodeEvent(ev(action))).toEqual({ type: 'node', lab: 'l1', node: 'web1', state, action });
  });

  it('ignores exec and attach events, other objects and unlabelled containers', () => {
    expect(toNodeEvent(ev('exec_start: sh -c ls'))).toBeUndefined();
    expect(toNodeEvent(ev('attach'))).toBeUndefined();
    expect(toNodeEvent({ ...ev('start'), Type: 'network' })).toBeUndefined();
    expect(toNodeEvent(ev('start', { 'io.lblab.managed': 'false' }))).toBeUndefined();
    expect(toNodeEvent({ Type: 'container', Action: 'start', Actor: { Attributes: {} } })).toBeUndefined();
    expect(toNodeEvent(null)).toBeUndefined();
  });
});
