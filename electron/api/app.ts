// The app as a whole: its version, which shell hosts it, which Docker engine it drives and whether it answers.
import { z } from 'zod';

export interface DockerInfo { available: boolean; version?: string; message?: string }
/** The Docker engine the app drives: its context name (or the address given) and where it is. */
export interface EngineName { name: string; host: string }
export interface AppInfo {
  version: string;
  shell: 'electron' | 'web';
  docker: DockerInfo;
  /** the engine driven (absent when the engine side does not say it) */
  engine?: EngineName;
}

export interface AppMethods {
  /** The app's version, its shell (electron or web), the engine it drives and whether the Docker engine answers (a missing engine is said in
   * `docker.message`, not thrown). Never fails. */
  info(): Promise<AppInfo>;
}

export const appArgs = {
  info: z.tuple([]),
} satisfies Record<keyof AppMethods, z.ZodTypeAny>;
