// Window size/position/maximized, persisted in userData/window-state.json and
// restored only where it is still visible (monitors get unplugged).
import fs from 'node:fs';
import path from 'node:path';

export interface Rect { x: number; y: number; width: number; height: number }
export interface WindowBounds { x?: number; y?: number; width: number; height: number }
export interface WindowState extends WindowBounds { maximized: boolean }

export const DEFAULT_STATE: WindowState = { width: 1280, height: 800, maximized: false };
const MIN = { width: 900, height: 600 };
/** how much of the title bar must be on a display for a position to be kept */
const VISIBLE = { width: 120, height: 40 };

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function readWindowState(file: string): WindowState {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (!num(raw.width) || !num(raw.height)) return { ...DEFAULT_STATE };
    const s: WindowState = { width: Math.round(raw.width), height: Math.round(raw.height), maximized: raw.maximized === true };
    if (num(raw.x) && num(raw.y)) {
      s.x = Math.round(raw.x);
      s.y = Math.round(raw.y);
    }
    return s;
  } catch {
    return { ...DEFAULT_STATE }; // first run or a corrupt file: defaults, not an error
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  } catch {
    /* losing the window position is not worth an error dialog */
  }
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** Clamp the size to the largest display and drop a position whose title bar would be off-screen. */
export function fitToDisplays(state: WindowState, workAreas: Rect[]): WindowState {
  if (workAreas.length === 0) return { ...state };
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const out: WindowState = {
    width: Math.max(Math.min(state.width, maxW), Math.min(MIN.width, maxW)),
    height: Math.max(Math.min(state.height, maxH), Math.min(MIN.height, maxH)),
    maximized: state.maximized,
  };
  if (state.x !== undefined && state.y !== undefined) {
    const titleBar: Rect = { x: state.x, y: state.y, width: out.width, height: VISIBLE.height };
    const visible = workAreas.some((a) => {
      const o = overlap(titleBar, a);
      return o.width >= VISIBLE.width && o.height >= VISIBLE.height;
    });
    if (visible) {
      out.x = state.x;
      out.y = state.y;
    }
  }
  return out;
}

export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isDestroyed(): boolean;
}

/** Save on close, and (debounced) on move/resize so a crash keeps the last layout. */
export function trackWindowState(win: TrackedWindow, file: string, debounceMs = 500): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (win.isDestroyed()) return;
    writeWindowState(file, { ...win.getNormalBounds(), maximized: win.isMaximized() });
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', save);
  return save;
}
