import { describe, expect, it } from 'vitest';
import { askAnswer, askRelayCommand } from '../../../electron/engine/balancer/ask-relay';

describe("asking the agent's daemon without its CLI", () => {
  it('the command names perl, the socket and the question', () => {
    const cmd = askRelayCommand('stats');
    expect(cmd[0]).toBe('perl');
    expect(cmd.slice(-2)).toEqual(['/run/lblab/agent.sock', 'stats']);
  });

  it('an answer is its result; a refusal its first error; anything else one line saying so', () => {
    expect(askAnswer('{"ok":true,"result":{"services":[]}}\n')).toEqual({ services: [] });
    expect(() => askAnswer('{"ok":false,"errors":["no config applied yet","more"]}\n')).toThrow(/^no config applied yet$/);
    expect(() => askAnswer('{"ok":false}')).toThrow(/^the daemon refused without a reason$/);
    expect(() => askAnswer('')).toThrow(/^no answer from the daemon$/);
    expect(() => askAnswer('garbage')).toThrow(/^malformed answer from the daemon: garbage$/);
  });
});
