// A failed `lbagent` call always says why: its output, or what its exit code means.
import { describe, expect, it } from 'vitest';
import { failure } from '../../../electron/engine/balancer/control';

describe('agent command failures', () => {
  it('names the first line of error output, without the agent prefix', () => {
    expect(failure({ exitCode: 1, stdout: '', stderr: '\n  lbagent: cannot reach the daemon\nmore\n' })).toBe('cannot reach the daemon');
    expect(failure({ exitCode: 2, stdout: 'usage: lbagent stats\n', stderr: '' })).toBe('usage: lbagent stats');
  });

  it('is never empty: a command killed without output says the container is stopping', () => {
    expect(failure({ exitCode: 137, stdout: '', stderr: '' })).toBe('killed (exit 137) without output: the balancer container is stopping');
    expect(failure({ exitCode: 3, stdout: ' \n', stderr: '' })).toBe('exit 3 without any output');
  });
});
