// The comparison port on the real engine: status and mode switches through the
// engine's own API methods, commands through docker exec, mode checks with the
// same topology validation `lblab mode` applies (the lab's document with the
// live modes and this service's mode changed).
import type { LabApi, Mode } from '../../api';
import { helperImage, type DeployDeps } from '../deploy/deps';
import { setPeerNapi } from '../deploy/xdp-peers';
import { nodeContainer } from '../labs/find-node';
import { withModes } from '../labs/lab-record';
import { labContext } from '../labs/status';
import { execIn } from '../docker/exec';
import { raceAbort, type ComparePort } from './port';

export function enginePort(api: Pick<LabApi, 'status' | 'setMode' | 'info'>, deps: () => Promise<DeployDeps>): ComparePort {
  // container ids by lab/node: a comparison runs thousands of execs
  const ids = new Map<string, string>();
  const containerOf = async (lab: string, node: string) => {
    const key = `${lab}/${node}`;
    let id = ids.get(key);
    if (!id) ids.set(key, (id = (await nodeContainer(lab, node, { running: true })).Id));
    return id;
  };
  return {
    status: (lab) => api.status(lab),
    setMode: (lab, service, mode) => api.setMode(lab, service, mode),
    async exec(lab, node, cmd, opts = {}) {
      const run = async () => {
        const id = await containerOf(lab, node);
        try {
          return await execIn(id, cmd, { timeoutMs: opts.timeoutMs, onStdout: opts.onStdout ? (b) => opts.onStdout!(b.toString()) : undefined });
        } catch (e) {
          ids.delete(`${lab}/${node}`); // a redeployed node has a new container
          throw e;
        }
      };
      return raceAbort(run(), opts.signal);
    },
    async checkModes(lab, service, modes) {
      const d = await deps();
      const ctx = await labContext(lab, d);
      if (!ctx.doc) throw new Error(`lab ${lab} has no readable document: redeploy it`);
      const live = ctx.record?.modes ?? {};
      const out: Partial<Record<Mode, string>> = {};
      for (const mode of modes) {
        const report = d.validateLab(withModes(ctx.doc, { ...live, [service]: mode }));
        if (!report.ok) out[mode] = report.issues[0]?.message ?? 'invalid lab';
      }
      return out;
    },
    async setPeerNapi(lab, node, on) {
      const d = await deps();
      const plan = (await labContext(lab, d)).plan;
      const n = plan?.nodes.find((x) => x.name === node);
      if (!plan || !n) throw new Error(`lab ${lab} has no node ${node} in its plan`);
      await setPeerNapi(plan, n, on, helperImage(d));
    },
    async dockerVersion() {
      return (await api.info()).docker.version ?? '';
    },
  };
}
