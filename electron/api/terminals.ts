// Interactive shells in lab nodes: opened by id, output pushed as events,
// input and resizes sent back by id.
import { z } from 'zod';
import { nameSchema } from '../../lab-images/balancer/contract/vocabulary';

export type TerminalEvent =
  | { type: 'terminal-data'; id: string; data: string }
  | { type: 'terminal-end'; id: string; reason: string };

/** Shells in nodes: output arrives as terminal-data events, then one terminal-end (shell exited, node stopped, closed). */
export interface TerminalMethods {
  /** Start a login shell (bash, else sh) with a TTY of `cols`×`rows` in a running node; its id. Fails not-found (no such
   * lab or node), conflict (the node is not running) or engine (Docker). */
  openTerminal(lab: string, node: string, cols: number, rows: number): Promise<{ id: string }>;
  /** Type `data` into the terminal. Fails not-found when the terminal has ended. */
  terminalInput(id: string, data: string): Promise<void>;
  /** Resize the terminal's TTY. Fails not-found when the terminal has ended. */
  resizeTerminal(id: string, cols: number, rows: number): Promise<void>;
  /** End the terminal (its terminal-end event follows); an unknown or ended one is no error. */
  closeTerminal(id: string): Promise<void>;
}

const terminalId = z.string().max(64);
const dim = z.number().int().min(1).max(1000);

export const terminalArgs = {
  openTerminal: z.tuple([nameSchema, nameSchema, dim, dim]),
  terminalInput: z.tuple([terminalId, z.string().max(65536)]),
  resizeTerminal: z.tuple([terminalId, dim, dim]),
  closeTerminal: z.tuple([terminalId]),
} satisfies Record<keyof TerminalMethods, z.ZodTypeAny>;
