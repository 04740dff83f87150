/* balancer.bpf.c — the lblab balancer: one tc ingress program (SEC "tc",
 * lb_ingress) attached to every balancer interface. Per packet:
 *
 *   parse (parse.h) ── not IPv4 ─────────────────────────────▶ TC_ACT_OK
 *     │ malformed ─────────────────────────────────────────▶ drop(reason)
 *     ▼
 *   TCP/UDP: 5-tuple in this CPU's flow cache (flow_cache.h), else in lb_flows?
 *     │        ── reply entry (nat/snat) ──────────────────────▶ mode_reverse
 *     │        │ forward entry, backend still good ─▶ mode of the flow
 *     │        ▼ no (or stale)                         dsr / tunnel / nat / snat
 *     ├─ to a service VIP:port? ── yes ─▶ schedule (sched.h), new entry ─▶ mode
 *     ├─ fragment to a VIP ─▶ drop(frag);  ICMP to a VIP ─▶ count, pass
 *     └─ anything else ─▶ TC_ACT_OK (the balancer's own traffic, ARP, ...)
 */
#include "lb_main.h"

SEC("tc")
int lb_ingress(struct __sk_buff *skb)
{
	return lb_process(skb);
}

char _license[] SEC("license") = "GPL";
