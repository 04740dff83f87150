// The one-line error helper every side shares (engine, server, shell, CLI, renderer).
import { describe, expect, it } from 'vitest';
import { ApiError, oneLine } from '../../../electron/api';

describe('oneLine', () => {
  it('keeps the first non-empty line of a message, trimmed', () => {
    expect(oneLine(new Error('\n  first  \nsecond'))).toBe('first');
    expect(oneLine('plain text\n    at Object.<anonymous> (/x.js:1:1)')).toBe('plain text');
    expect(oneLine(new ApiError('no lab named x', 'not-found'))).toBe('no lab named x');
  });

  it('takes the message of error-like objects, and any value as text', () => {
    expect(oneLine({ message: 'a\nb' })).toBe('a');
    expect(oneLine(42)).toBe('42');
    expect(oneLine(undefined)).toBe('unknown error');
    expect(oneLine(new Error(''))).toBe('unknown error');
  });

  it("drops Electron's IPC wrapper and dockerode's HTTP prefix", () => {
    expect(oneLine(new Error("Error invoking remote method 'lblab:invoke': Error: unknown node web9"))).toBe('unknown node web9');
    expect(oneLine(new Error('(HTTP code 409) unexpected - Conflict. The name is in use\nmore'))).toBe('Conflict. The name is in use');
  });

  it('bounds the length', () => {
    const s = oneLine('x'.repeat(2000));
    expect(s.length).toBe(500);
    expect(s.endsWith('...')).toBe(true);
  });
});
