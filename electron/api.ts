// The LabApi contract: the one typed interface shared by the Electron preload,
// the renderer, the web server and the CLI. Pure TypeScript + zod: no Node,
// no Electron, no engine imports at runtime (the renderer bundles this file).
// Each domain's types, argument schemas and method group live in electron/api/;
// this index re-exports them and assembles the LabApi. The host-only lab
// service (Node streams) is electron/api/host.ts, deliberately not re-exported.
import { z } from 'zod';
import { appArgs, type AppMethods } from './api/app';
import { captureArgs, type CaptureMethods } from './api/capture';
import { compareArgs, type CompareMethods } from './api/compare';
import { labDocumentArgs, type LabDocumentMethods } from './api/document';
import { doctorArgs, type DoctorMethods } from './api/doctor';
import { engineArgs, type EngineMethods } from './api/engines';
import { ApiError } from './api/errors';
import type { LabEvent } from './api/events';
import { journeyArgs, type JourneyMethods } from './api/journey';
import { labLifecycleArgs, type LabLifecycleMethods } from './api/lab';
import { lessonsArgs, type LessonsMethods } from './api/lessons';
import { liveLabArgs, type LiveLabMethods } from './api/live';
import { terminalArgs, type TerminalMethods } from './api/terminals';

// Modes (which are eBPF, which are proxies, whose servers answer directly),
// schedulers and the name rule are the balancer contract's (pure TS + zod,
// shared with the balancer agent): written once there, re-exported whole.
export * from '../lab-images/balancer/contract/vocabulary';
export * from './api/app';
export * from './api/capture';
export * from './api/compare';
export * from './api/doctor';
export * from './api/document';
export * from './api/engines';
export * from './api/errors';
export * from './api/events';
export * from './api/journey';
export * from './api/lab';
export * from './api/lessons';
export * from './api/live';
export * from './api/packets';
export * from './api/terminals';

/**
 * Every call the renderer (or any untrusted side) can make. Each method
 * rejects with an ApiError: one readable line and a code (bad-request,
 * not-found, conflict, engine) the web server maps to an HTTP status;
 * its documentation names the codes it uses beyond `engine`.
 */
export interface LabApi
  extends AppMethods,
    LabDocumentMethods,
    LabLifecycleMethods,
    LiveLabMethods,
    TerminalMethods,
    CompareMethods,
    JourneyMethods,
    CaptureMethods,
    EngineMethods,
    DoctorMethods,
    LessonsMethods {}

/** Every invokable method; events travel separately (IPC 'lblab:event' / WebSocket). */
export type ApiMethod = keyof LabApi;

// Argument tuples for each method. The renderer is untrusted: the IPC handler
// and the web server validate every call with these before touching the engine.
export const apiArgs = {
  ...appArgs,
  ...labDocumentArgs,
  ...labLifecycleArgs,
  ...liveLabArgs,
  ...terminalArgs,
  ...compareArgs,
  ...journeyArgs,
  ...captureArgs,
  ...engineArgs,
  ...doctorArgs,
  ...lessonsArgs,
} satisfies Record<ApiMethod, z.ZodTypeAny>;

export const API_METHODS = Object.keys(apiArgs) as ApiMethod[];

/** Validate a call from an untrusted side and run it on `impl`. Used by IPC and the web server. */
export async function dispatch(impl: LabApi, method: string, args: unknown): Promise<unknown> {
  if (!Object.prototype.hasOwnProperty.call(apiArgs, method)) throw new ApiError(`unknown API method: ${method}`, 'bad-request');
  const schema = apiArgs[method as ApiMethod];
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApiError(`${method}: bad argument ${first?.path.join('.') || ''}: ${first?.message ?? 'invalid'}`, 'bad-request');
  }
  const fn = impl[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(impl, parsed.data as unknown[]);
}

/** Channel names shared by preload and main. */
export const IPC = { invoke: 'lblab:invoke', event: 'lblab:event', shell: 'lblab:shell' } as const;

/** What the Electron shell adds on top of LabApi (native dialogs, menus). Absent in web mode. */
export interface ShellApi {
  openLabFile(): Promise<{ path: string; text: string } | null>;
  saveLabFile(text: string, suggestedName: string): Promise<string | null>;
  onMenu(listener: (command: string) => void): () => void;
}

/** What the preload exposes as `window.lblab`. */
export interface PreloadBridge {
  invoke(method: ApiMethod, args: unknown[]): Promise<unknown>;
  onEvent(listener: (e: LabEvent) => void): () => void;
  shell: ShellApi;
}
