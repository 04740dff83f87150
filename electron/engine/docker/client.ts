// One shared dockerode client. Finds the engine through DOCKER_HOST or the default socket.
import Docker from 'dockerode';
import fs from 'node:fs';
import type { DockerInfo } from '../../api';
import { HOW_TO_START_DOCKER } from '../errors';

let shared: Docker | undefined;

export function dockerSocketPath(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  return undefined; // tcp:// etc: dockerode reads DOCKER_HOST itself
}

export function docker(): Docker {
  if (!shared) {
    const sock = dockerSocketPath();
    shared = sock && !process.env.DOCKER_HOST ? new Docker({ socketPath: sock }) : new Docker();
  }
  return shared;
}

/** Ping the engine; resolves with its version or an explanation, never throws. The engine's one Docker check. */
export async function probeDocker(): Promise<DockerInfo> {
  const sock = dockerSocketPath();
  if (sock && !process.env.DOCKER_HOST && !fs.existsSync(sock)) return { available: false, message: HOW_TO_START_DOCKER };
  try {
    const v = await docker().version();
    return { available: true, version: v.Version };
  } catch (e) {
    return { available: false, message: `${HOW_TO_START_DOCKER} (${(e as Error).message})` };
  }
}
