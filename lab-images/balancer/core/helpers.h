/* helpers.h — the kernel and libbpf headers, and the packet context
 * (ctx.h), and the small helpers every part of the data plane uses: MAC copies. */
#ifndef LB_HELPERS_H
#define LB_HELPERS_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ctx.h"

/* A MAC as three 16-bit words: ethhdr is packed, so a plain memcpy into it
 * becomes twelve byte stores. Every MAC we copy (packet, map values) sits
 * at an even offset. */
static __always_inline void mac_copy(void *dst, const void *src)
{
	__u16 *d = dst;
	const __u16 *s = src;
	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

#endif /* LB_HELPERS_H */
