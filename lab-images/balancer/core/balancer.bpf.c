/* balancer.bpf.c — the lblab balancer: one tc ingress program (SEC "tc",
 * lb_ingress) attached to every balancer interface. Per packet:
 *
 *   parse (parse.h) ── not IPv4 ─────────────────────────────▶ TC_ACT_OK
 *     │ malformed ─────────────────────────────────────────▶ drop(reason)
 *     ▼
 *   later fragment: ports from lb_frags, then as its flow ──▶ mode / drop(frag)
 *   ICMP error quoting one of our flows (icmp_err.h) ──────▶ its backend / client
 *   TCP/UDP: 5-tuple in this CPU's flow cache (flow_cache.h), else in lb_flows?
 *     │        ── reply entry (nat/snat) ──────────────────────▶ mode_reverse
 *     │        │ forward entry, backend still good, not expired ─▶ mode of the flow
 *     │        ▼ no (or stale)                         dsr / tunnel / nat / snat
 *     ├─ to a service VIP:port? ── yes ─▶ schedule (sched.h), new entry ─▶ mode
 *     ├─ other ICMP to a VIP ─▶ count, pass
 *     └─ anything else ─▶ TC_ACT_OK (the balancer's own traffic, ARP, ...)
 *
 * and lb_gc, the sweep of lb_flows (gc.h), which the control plane runs with
 * BPF_PROG_TEST_RUN; never attached.
 */
#include "lb_main.h"
#include "gc.h"

SEC("tc")
int lb_ingress(struct __sk_buff *skb)
{
	return lb_process(skb);
}

SEC("tc")
int lb_gc(struct __sk_buff *skb)
{
	return lb_sweep();
}

char _license[] SEC("license") = "GPL";
