/* pass.bpf.c — the baseline for bench/core.ts: a tc program that does
 * nothing. ns/packet of the balancer is reported relative to this. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int pass_all(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
