// The balancer's eBPF program measured by the kernel itself: the time spent
// inside it and the packets it ran for, from its run-time statistics
// (run_time_ns, run_cnt) which the balancer's agent holds on only during a
// run (they cost a little per packet). The program runs in softirq, which no
// container's cgroup is charged for: this is the figure where tc and XDP differ.
import type { ProgramFigures } from '../../api';

/** Turn the statistics on for at most `seconds` (a lost "off" ends by itself), or off. */
export const programStatsScript = (on: boolean, seconds = 600) => (on ? `lbagent prog-stats on ${Math.max(1, Math.round(seconds))}` : 'lbagent prog-stats off');

/** A run's figures from the seconds spent in the program and the packets (runs) it saw. */
export function programFigures(seconds: number, packets: number): ProgramFigures {
  return {
    cpuSeconds: Math.round(seconds * 1e6) / 1e6,
    packets,
    nsPerPacket: packets > 0 ? Math.round((seconds * 1e9 * 10) / packets) / 10 : 0,
  };
}
