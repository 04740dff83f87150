// The app as a whole: its version, which shell hosts it, whether Docker answers.
import { z } from 'zod';

export interface DockerInfo { available: boolean; version?: string; message?: string }
export interface AppInfo { version: string; shell: 'electron' | 'web'; docker: DockerInfo }

export interface AppMethods {
  /** The app's version, its shell (electron or web) and whether the Docker engine answers (a missing engine is said in
   * `docker.message`, not thrown). Never fails. */
  info(): Promise<AppInfo>;
}

export const appArgs = {
  info: z.tuple([]),
} satisfies Record<keyof AppMethods, z.ZodTypeAny>;
