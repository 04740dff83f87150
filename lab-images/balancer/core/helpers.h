/* helpers.h — the kernel and libbpf headers, and the small helpers every
 * part of the data plane uses: fresh packet pointers, MAC copies. */
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

#ifndef TC_ACT_REDIRECT
#define TC_ACT_REDIRECT 7
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Fresh data/data_end of an skb. The empty asm hides where skb came from, so
 * clang cannot keep a pointer to the skb->data field around (&skb->data + 0),
 * which the verifier refuses ("dereference of modified ctx ptr"). */
#define skb_data_ptrs(skb, data, data_end)                                   \
	do {                                                                  \
		struct __sk_buff *__s = (skb);                                \
		asm volatile("" : "+r"(__s));                                  \
		(data) = (void *)(long)__s->data;                             \
		(data_end) = (void *)(long)__s->data_end;                     \
	} while (0)

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
