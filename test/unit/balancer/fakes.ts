// In-memory stand-ins for the data plane and HAProxy, recording what the agent asks of them.
import type { DataplaneLike, DpFlowTimeouts, DpService, DpStats } from '../../../lab-images/balancer/agent/dp-contract';
import type { HaproxyLike, StatRow } from '../../../lab-images/balancer/agent/haproxy-proc';

export class FakeDataplane implements DataplaneLike {
  services = new Map<number, DpService>();
  log: string[] = [];
  unloaded = false;
  stats: DpStats = { backends: {}, counters: {}, drops: {} };
  constructor(readonly interfaces: string[]) {}
  async applyService(s: DpService) {
    this.services.set(s.id, structuredClone(s));
    this.log.push(`apply ${s.id} ${s.mode}`);
  }
  async removeService(id: number) {
    this.services.delete(id);
    this.log.push(`remove ${id}`);
  }
  timeouts?: DpFlowTimeouts;
  timeoutWrites = 0;
  sweeps = 0;
  async setFlowTimeouts(t: DpFlowTimeouts) {
    this.timeouts = { ...t };
    this.timeoutWrites++;
  }
  async sweep() {
    this.sweeps++;
  }
  async readStats() {
    return this.stats;
  }
  async unload() {
    this.unloaded = true;
    this.log.push('unload');
  }
  async attach(ifs: string[]) {
    this.interfaces.push(...ifs.filter((i) => !this.interfaces.includes(i)));
    this.log.push(`attach ${ifs.join(',')}`);
  }
  async detachAll() {
    this.interfaces.length = 0;
    this.log.push('detach');
  }
  attachedPrograms() {
    return this.interfaces.length ? ['/sys/fs/bpf/lblab/progs/lb_ingress'] : [];
  }
}

export class FakeHaproxy implements HaproxyLike {
  cfg?: string;
  on = false;
  applies = 0;
  servers = new Map<string, boolean>();
  rows: StatRow[] = [];
  reject?: string;
  async apply(cfg: string) {
    if (this.reject) throw new Error(this.reject);
    this.cfg = cfg;
    this.on = true;
    this.applies++;
  }
  async stop() {
    this.on = false;
    this.cfg = undefined;
  }
  running() {
    return this.on;
  }
  async setServer(ref: string, up: boolean) {
    this.servers.set(ref, up);
  }
  async showStat() {
    return this.rows;
  }
}
