/* pass_xdp.bpf.c — the XDP baseline for bench/core.ts: an XDP program that
 * does nothing. ns/packet of lb_xdp is reported relative to this. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
