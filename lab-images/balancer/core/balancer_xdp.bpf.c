/* balancer_xdp.bpf.c — the lblab balancer at the XDP hook: the pipeline of
 * balancer.bpf.c (lb_main.h, the picture there), compiled on struct xdp_md
 * (ctx.h, LB_XDP), with the same maps (names, layouts) so the control plane
 * and its counters work unchanged. One program, lb_xdp (SEC "xdp"), attached
 * to every balancer interface instead of lb_ingress at tc; and lb_gc, the
 * sweep of lb_flows (gc.h), run with BPF_PROG_TEST_RUN, never attached.
 *
 * Verdicts: XDP_PASS (not ours, or to the stack), XDP_DROP (counted under
 * its reason), XDP_TX (out of the interface it came in on), XDP_REDIRECT
 * (out of another; a veth's peer needs an XDP program for the frame to be
 * received there). */
#define LB_XDP 1
#include "lb_main.h"
#include "gc.h"

SEC("xdp")
int lb_xdp(struct xdp_md *ctx)
{
	return ctx_verdict(lb_process(ctx));
}

SEC("xdp")
int lb_gc(struct xdp_md *ctx)
{
	return ctx_verdict(lb_sweep());
}

char _license[] SEC("license") = "GPL";
