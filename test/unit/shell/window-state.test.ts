import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_STATE, fitToDisplays, readWindowState, trackWindowState, writeWindowState } from '../../../electron/shell/window-state.js';

const FHD = { x: 0, y: 0, width: 1920, height: 1080 };

describe('window state', () => {
  it('round-trips through the file; a missing or corrupt file gives defaults', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-ws-'));
    const f = path.join(dir, 'sub', 'window-state.json');
    expect(readWindowState(f)).toEqual(DEFAULT_STATE);
    writeWindowState(f, { x: 1, y: 2, width: 1000, height: 700, maximized: true });
    expect(readWindowState(f)).toEqual({ x: 1, y: 2, width: 1000, height: 700, maximized: true });
    fs.writeFileSync(f, '{not json');
    expect(readWindowState(f)).toEqual(DEFAULT_STATE);
    fs.writeFileSync(f, JSON.stringify({ width: 'huge', height: 5 }));
    expect(readWindowState(f)).toEqual(DEFAULT_STATE);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a position that is on a display', () => {
    expect(fitToDisplays({ x: 100, y: 100, width: 1200, height: 800, maximized: false }, [FHD])).toEqual({ x: 100, y: 100, width: 1200, height: 800, maximized: false });
  });

  it('drops a position on an unplugged second monitor, and clamps the size', () => {
    const s = fitToDisplays({ x: 2500, y: 100, width: 2560, height: 1440, maximized: false }, [FHD]);
    expect(s).toEqual({ width: 1920, height: 1080, maximized: false });
  });

  it('drops a position whose title bar is above the screen; keeps one on a second display', () => {
    expect(fitToDisplays({ x: 100, y: -500, width: 1000, height: 700, maximized: false }, [FHD]).x).toBeUndefined();
    const two = [FHD, { x: 1920, y: 0, width: 2560, height: 1440 }];
    expect(fitToDisplays({ x: 2000, y: 50, width: 2400, height: 1300, maximized: true }, two)).toEqual({ x: 2000, y: 50, width: 2400, height: 1300, maximized: true });
  });

  it('saves on close and, debounced, after moves', async () => {
    vi.useFakeTimers();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-ws-'));
    const f = path.join(dir, 'window-state.json');
    const win = Object.assign(new EventEmitter(), { bounds: { x: 1, y: 1, width: 900, height: 600 }, getNormalBounds: () => win.bounds, isMaximized: () => false, isDestroyed: () => false });
    trackWindowState(win, f, 100);
    win.emit('move');
    expect(fs.existsSync(f)).toBe(false);
    vi.advanceTimersByTime(150);
    expect(readWindowState(f)).toMatchObject({ x: 1, y: 1 });
    win.bounds = { x: 50, y: 60, width: 1000, height: 650 };
    win.emit('close');
    expect(readWindowState(f)).toEqual({ x: 50, y: 60, width: 1000, height: 650, maximized: false });
    vi.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
