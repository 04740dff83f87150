/* ctx.h — the packet context: one pipeline, two hooks.
 *
 * Every step takes `struct lb_ctx *ctx` and touches the packet only through
 * what this file gives; the object is compiled once per hook:
 *   tc  (default)    lb_ctx = struct __sk_buff   balancer.bpf.o  lb_ingress
 *   XDP (-DLB_XDP)   lb_ctx = struct xdp_md      balancer_xdp.bpf.o  lb_xdp
 * The maps, flow table, schedulers and the modes' logic are the same source
 * (and the same maps, names and layouts) at both.
 *
 * Results: a step's 0 means "go on", or, from a step that ends the packet's
 * way, "to the kernel's stack" (LB_PASS, which is TC_ACT_OK at tc and which
 * the XDP program turns into XDP_PASS, ctx_verdict); > 0 is a hook verdict
 * (CTX_REDIRECT, and at XDP CTX_TX); drops are DROP_* codes (< 0) until
 * stats.h drop() counts them and returns CTX_DROP.
 *
 * What differs at XDP:
 *  - no skb: the frame is linear (no pull), its length is data_end - data,
 *    there is no GSO (frames are wire-sized: gso size 0) and no checksum
 *    offload state (csum.h: the L4 checksum is always a complete one);
 *  - growing the head (encapsulation, ICMP answers) is bpf_xdp_adjust_head,
 *    after which the Ethernet header is moved to the new front (what tc's
 *    adjust_room(BPF_ADJ_ROOM_MAC) does for us); cutting the tail is
 *    bpf_xdp_adjust_tail;
 *  - out of the interface the frame came in on is XDP_TX, any other is
 *    bpf_redirect (XDP_REDIRECT); there is no bpf_redirect_neigh: a next
 *    hop the FIB knows without a neighbour entry goes to the stack, which
 *    resolves it (ctx_redirect_neigh). */
#ifndef LB_CTX_H
#define LB_CTX_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#ifndef TC_ACT_REDIRECT
#define TC_ACT_REDIRECT 7
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* A step's "to the stack": 0 at both hooks (see the top of this file). */
#define LB_PASS 0

#ifdef LB_XDP
#define lb_ctx xdp_md
#define CTX_DROP     XDP_DROP
#define CTX_REDIRECT XDP_REDIRECT
#define CTX_TX       XDP_TX
#define LB_HOOK_XDP  1
#else
#define lb_ctx __sk_buff
#define CTX_DROP     TC_ACT_SHOT
#define CTX_REDIRECT TC_ACT_REDIRECT
#define CTX_TX       TC_ACT_REDIRECT /* tc has no TX verdict: never returned */
#define LB_HOOK_XDP  0
#endif

/* Fresh data/data_end of the context. The empty asm hides where ctx came
 * from, so clang cannot keep a pointer to the ctx->data field around
 * (&ctx->data + 0), which the verifier refuses ("dereference of modified
 * ctx ptr"). */
#define ctx_data_ptrs(ctx, data, data_end)                                   \
	do {                                                                  \
		struct lb_ctx *__s = (ctx);                                   \
		asm volatile("" : "+r"(__s));                                  \
		(data) = (void *)(long)__s->data;                             \
		(data_end) = (void *)(long)__s->data_end;                     \
	} while (0)

/* The frame's length, all of it (not only the linear part at tc). */
static __always_inline __u32 ctx_len(struct lb_ctx *ctx)
{
#ifdef LB_XDP
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	/* no frags: the program is not xdp.frags. The empty asm makes the
	 * difference a plain number, so clang cannot fold it into 32-bit
	 * arithmetic on the pointers (which the verifier refuses). */
	long len = data_end - data;
	asm volatile("" : "+r"(len));
	return (__u32)len;
#else
	return ctx->len;
#endif
}

/* The interface the frame arrived on. */
static __always_inline __u32 ctx_ifindex(struct lb_ctx *ctx)
{
	return ctx->ingress_ifindex;
}

/* A GSO frame's segment size (0: not GSO; always 0 at XDP). */
static __always_inline __u32 ctx_gso_size(struct lb_ctx *ctx)
{
#ifdef LB_XDP
	return 0;
#else
	return ctx->gso_size;
#endif
}

/* Make the first `want` bytes directly readable. At tc, frames from a local
 * stack (and GRO'd ones) may keep headers in page fragments; an XDP frame is
 * linear. Only costs when it is not already. */
static __always_inline void ctx_pull(struct lb_ctx *ctx, __u32 want)
{
#ifndef LB_XDP
	if ((long)ctx->data_end - (long)ctx->data < (long)want)
		bpf_skb_pull_data(ctx, want);
#endif
}

static __always_inline long ctx_load_bytes(struct lb_ctx *ctx, __u32 off, void *to, __u32 len)
{
#ifdef LB_XDP
	return bpf_xdp_load_bytes(ctx, off, to, len);
#else
	return bpf_skb_load_bytes(ctx, off, to, len);
#endif
}

static __always_inline long ctx_store_bytes(struct lb_ctx *ctx, __u32 off, const void *from, __u32 len)
{
#ifdef LB_XDP
	return bpf_xdp_store_bytes(ctx, off, (void *)from, len);
#else
	return bpf_skb_store_bytes(ctx, off, from, len, 0);
#endif
}

/* Open `len` bytes between the Ethernet header and the network header (the
 * Ethernet header stays the frame's first bytes). 0, or non-zero when the
 * kernel refused (or, at XDP, the moved header is out of reach). flags: tc's BPF_F_ADJ_ROOM_* (nothing to mark at XDP). */
static __always_inline long ctx_grow_mac(struct lb_ctx *ctx, __u32 len, __u64 flags)
{
#ifdef LB_XDP
	/* the old Ethernet header is still there, len bytes in: moved to the
	 * front word by word, without a copy on the (shared, 512-byte) stack */
	void *data, *data_end;
	if (bpf_xdp_adjust_head(ctx, -(int)len))
		return 1;
	ctx_data_ptrs(ctx, data, data_end);
	if (data + len + ETH_HLEN > data_end)
		return 1;
	__u16 *to = data;
	const __u16 *from = data + len;
#pragma unroll
	for (int i = 0; i < ETH_HLEN / 2; i++)
		to[i] = from[i];
	return 0;
#else
	return bpf_skb_adjust_room(ctx, len, BPF_ADJ_ROOM_MAC, flags);
#endif
}

/* Cut (or grow) the frame to `len` bytes. 0, or non-zero when refused. */
static __always_inline long ctx_set_len(struct lb_ctx *ctx, __u32 len)
{
#ifdef LB_XDP
	return bpf_xdp_adjust_tail(ctx, (int)len - (int)ctx_len(ctx));
#else
	return bpf_skb_change_tail(ctx, len, 0);
#endif
}

/* Send the frame out of interface ifindex: the helper's verdict (CTX_TX out
 * of the interface it came in on at XDP, else CTX_REDIRECT; anything else
 * is a refusal, egress.h redirected()). */
static __always_inline long ctx_redirect(struct lb_ctx *ctx, __u32 ifindex)
{
#ifdef LB_XDP
	if (ifindex == ctx->ingress_ifindex)
		return XDP_TX;
#endif
	return bpf_redirect(ifindex, 0);
}

/* Out of ifindex once the kernel has resolved the next hop's MAC (the FIB
 * found a route but no neighbour entry). tc: bpf_redirect_neigh. XDP has no
 * such helper: the frame (already rewritten) goes to the stack, which
 * forwards it and resolves the neighbour (counted redirect_neigh too). */
static __always_inline long ctx_redirect_neigh(struct lb_ctx *ctx, __u32 ifindex)
{
#ifdef LB_XDP
	return LB_PASS;
#else
	return bpf_redirect_neigh(ifindex, 0, 0, 0);
#endif
}

/* The program's return value for the pipeline's result (after verdict()):
 * LB_PASS becomes XDP_PASS at XDP; at tc it is TC_ACT_OK already. */
static __always_inline int ctx_verdict(int r)
{
#ifdef LB_XDP
	return r == LB_PASS ? XDP_PASS : r;
#else
	return r;
#endif
}

#endif /* LB_CTX_H */
