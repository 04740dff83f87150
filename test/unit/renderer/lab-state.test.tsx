// @vitest-environment jsdom
// The toolbar's lab state: a degraded lab (stopped nodes, plumbing lost after an
// engine restart) shows as such, with the reason on hover, not as "running".
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LabState, type LabStateProps } from '../../../renderer/components/Toolbar';

afterEach(cleanup);

const props = (p: Partial<LabStateProps>): LabStateProps => ({ labName: 'demo', deployed: true, busy: null, ...p });

describe('toolbar lab state', () => {
  it('running: a green dot and "running"', () => {
    render(<LabState {...props({})} />);
    const s = screen.getByTestId('lab-state');
    expect(s.textContent).toContain('running');
    expect(s.getAttribute('data-degraded')).toBeNull();
    expect(s.querySelector('.dot.on')).not.toBeNull();
  });

  it('degraded: a warning dot, "degraded", the reason as its title', () => {
    render(<LabState {...props({ degraded: 'lb, web1 stopped' })} />);
    const s = screen.getByTestId('lab-state');
    expect(s.textContent).toContain('degraded');
    expect(s.textContent).not.toContain('running');
    expect(s.getAttribute('data-degraded')).toBe('yes');
    expect(s.querySelector('.dot.warn')).not.toBeNull();
    expect(screen.getByTitle('lb, web1 stopped (Deploy repairs it)')).toBeTruthy();
  });

  it('a drawing that is not the running lab says "not deployed", degraded or not', () => {
    render(<LabState {...props({ deployed: false, degraded: 'lb stopped' })} />);
    expect(screen.getByTestId('lab-state').textContent).toContain('not deployed');
  });
});
