/* lb_v6.h — the IPv6 pipeline: a service's vip6, served in the service's
 * mode (dsr, tunnel as ip6ip6, nat and snat as NAT66), with its own maps
 * (lb_services6, lb_backends6, lb_snat6, lb_flows6, lb_frags6; maps.h)
 * beside the IPv4 ones, so the IPv4 path does no IPv6 work at all: it gets
 * here only for a frame that is not IPv4 (lb_main.h).
 *
 * The same rules as IPv4 (lb_main.h's return convention, one counter or
 * drop per packet, flow.h's states, lifetimes and active counts, which work
 * on the first part of a flow_val6), with these differences:
 *  - its own per-CPU flow cache (flow_cache6.h, lb_flow_cache6), under
 *    flow_cache.h's rules;
 *  - no header checksum: an address rewrite updates the L4 checksum only
 *    (the pseudo header holds the addresses);
 *  - extension headers are walked (parse6.h; counted ipv6_ext), or refused
 *    (ext_header) when they are for a VIP;
 *  - fragments by the fragment header's identification (lb_frags6), as
 *    IPv4's by the IP id;
 *  - snat: one IPv6 source address per service (lb_snat6, the contract's
 *    snatAddress6), ports from the backend's cursor (lb_snat_next, shared
 *    with IPv4), claimed by an exclusive insert of the reply entry; a port
 *    given back rests before it goes to the same backend again, as IPv4's
 *    (lb_snat_rest, mode_snat.h);
 *  - tunnel: a packet too big once wrapped (40 bytes) is answered with an
 *    ICMPv6 packet too big (icmp6.h): IPv6 routers never fragment, and
 *    IPv6 has no DF bit to say "don't tell me".
 */
#ifndef LB_V6_H
#define LB_V6_H

#include "parse6.h"
#include "flow.h"
#include "egress.h"
#include "encap.h"
#include "csum.h"
#include "icmp6.h"
#include "flow_cache6.h"

#define IP6IP6_HOPS 64

static __always_inline int addr6_eq(const struct addr6 *a, const struct addr6 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}


/* What the IPv6 pipeline keeps off the stack (the IPv4 pipeline's frame
 * and this one's share the 512 bytes): the packet, an entry being built and
 * its key. Per CPU; a program run is never interrupted by another on its
 * CPU. */
struct v6_scratch {
	struct pkt6 p;
	struct flow_val6 e;  /* a new forward or reply entry */
	struct flow_key6 k;  /* a reply key, a fragment's or service's key */
	struct flow_key6 fk; /* the packet's own key */
	/* the flow in hand (scalars: the pointers stay in flow_ctx6) */
	__u32 be_id;
	__u32 len;           /* the frame as received (backend stats) */
	__u32 now;           /* lb_now() */
	__u8 is_new;         /* created or re-scheduled */
	__u32 epoch;         /* the flow cache's (fc_epoch) */
	__u32 fc_idx;        /* the packet's flow cache slot */
	__u8 from_cache;     /* the flow in hand is a cached copy */
	struct icmp6_quote q6;     /* an ICMPv6 error's header and quote */
	struct icmp6_quote q6_old; /* ... as it came (the checksum updates) */
	struct addr6 out6[2];      /* ... its new outer source and destination */
	struct addr6 qn6[2];       /* ... its quote's new source and destination */
	__be16 qn_sport;           /* ... and ports */
	__be16 qn_dport;
	struct icmp6_too_big ptb; /* a packet too big being built */
	struct snat_port_key rest; /* snat: a port's lb_snat_rest key (off the stack) */
	__be16 spare;              /* snat: the first resting port tried */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct v6_scratch);
} lb_v6_scratch SEC(".maps");

/* This CPU's flow cache slot for the packet (x->fc_idx): looked up again
 * where a copy is put rather than kept live across the lb_flows6 path. */
static __always_inline struct flow_cache_slot6 *fc6_slot(struct v6_scratch *x)
{
	return bpf_map_lookup_elem(&lb_flow_cache6, &x->fc_idx);
}

/* Is a a VIP6 (its marker {vip6, 0, 0})? The key is built in x->k. */
static __always_inline int is_vip6(struct v6_scratch *x, const struct addr6 *a)
{
	struct svc6_key *mk = (struct svc6_key *)&x->k;
	__builtin_memset(mk, 0, sizeof(*mk));
	mk->vip = *a;
	return bpf_map_lookup_elem(&lb_services6, mk) != 0;
}

struct flow_ctx6 {
	struct v6_scratch *x;
	struct flow_key6 *key; /* x->fk */
	struct flow_val6 *val;  /* the lb_flows6 forward entry */
	struct backend *be;
	struct backend6 *be6;
};

/* ---------------------------------------------------------------- rewrites */

/* Checksum difference of an address change (RFC 1624, word by word). */
static __always_inline __u32 csum_diff6(const struct addr6 *o, const struct addr6 *n)
{
	__u32 d = 0;
#pragma unroll
	for (int i = 0; i < 4; i++)
		d = csum_add32(d, csum_add32(~o->w[i], n->w[i]));
	return d;
}

static __always_inline struct ipv6hdr *ip6_header(struct lb_ctx *ctx)
{
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end)
		return 0;
	return ip6;
}

/* Replace the source (src != 0) and/or destination address: one L4
 * checksum update for both (IPv6 has no header checksum). NULL: unchanged.
 * 0, or DROP_REWRITE_FAIL. */
static __always_inline int rewrite_addrs6(struct lb_ctx *ctx, struct pkt6 *p, const struct addr6 *src,
					  const struct addr6 *dst)
{
	__u32 diff = 0;
	if (src)
		diff = csum_diff6(&p->saddr, src);
	if (dst)
		diff = csum_add32(diff, csum_diff6(&p->daddr, dst));
	int r = l4_csum_update(ctx, p->l4, p->l4off, diff, 1);
	if (r < 0)
		return r;
	struct ipv6hdr *ip6 = ip6_header(ctx);
	if (!ip6)
		return DROP_REWRITE_FAIL;
	if (src)
		__builtin_memcpy(&ip6->saddr, src, sizeof(*src));
	if (dst)
		__builtin_memcpy(&ip6->daddr, dst, sizeof(*dst));
	return 0;
}

/* Replace both ports (a later fragment has none: p->l4 = 0). */
static __always_inline int rewrite_ports6(struct lb_ctx *ctx, struct pkt6 *p, __be16 nsport, __be16 ndport)
{
	if (!p->l4 || (p->sport == nsport && p->dport == ndport))
		return 0;
	__u32 diff = csum_add32(csum_add32(~(__u32)p->sport, nsport), csum_add32(~(__u32)p->dport, ndport));
	int r = l4_csum_update(ctx, p->l4, p->l4off, diff, 0);
	if (r < 0)
		return r;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	__be16 *ports = data + (p->l4off & 0xff); /* <= 14 + 40 + EXT6_BYTES */
	if ((void *)(ports + 2) > data_end)
		return DROP_REWRITE_FAIL;
	ports[0] = nsport;
	ports[1] = ndport;
	return 0;
}

/* ---------------------------------------------------------------- egress */

static __always_inline int egress_backend6(struct lb_ctx *ctx, struct flow_ctx6 *fc, const struct addr6 *src,
					   __u8 proto, __u16 tot_len)
{
	struct backend *be = fc->be;
	if (be->flags & BE_F_L2)
		return to_l2_next_hop(ctx, be);
	return fib_redirect6(ctx, src, &fc->be6->addr, proto, tot_len);
}

static __always_inline int fwd_sent6(struct flow_ctx6 *fc, __u32 idx, int v)
{
	if (leaves(v))
		count_backend(fc->x->be_id, fc->x->len);
	return sent(idx, v);
}

/* ---------------------------------------------------------------- flows */

static __always_inline __u32 tcp_state_bits6(const struct pkt6 *p, int fwd)
{
	return tcp_flag_state_bits(p->proto, p->l4, p->tcp_flags, fwd);
}

static __always_inline void flow_key6_of(struct pkt6 *p, struct flow_key6 *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src = p->saddr;
	k->dst = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
}

static __always_inline int flow_resume6(struct flow_val6 *v, struct flow_ctx6 *fc)
{
	__u32 id = v->b.backend_id;
	struct backend *be = backend_for_existing(id, v->b.svc_id);
	if (!be)
		return 0;
	struct backend6 *be6 = bpf_map_lookup_elem(&lb_backends6, &id);
	if (!be6)
		return 0;
	fc->val = v;
	fc->be = be;
	fc->be6 = be6;
	fc->x->be_id = id;
	fc->x->is_new = 0;
	return 1;
}

/* The reply entry of forward flow fc (nat/snat, `mode`) for the request in
 * hand, with its L2 return path (as reply_entry, flow.h). */
static __always_inline void reply_entry6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc, __u8 mode,
					 struct flow_val6 *rv)
{
	__builtin_memset(rv, 0, sizeof(*rv));
	rv->b.backend_id = fc->x->be_id;
	rv->b.svc_id = fc->val->b.svc_id;
	rv->b.mode = mode;
	rv->b.flags = FLOW_F_REPLY;
	rv->b.cport = p->sport;
	rv->b.vport = p->dport;
	rv->b.state = fc->val->b.state & ~FLOW_S_RELEASED;
	rv->b.last_seen = fc->x->now;
	rv->client = p->saddr;
	rv->vip = p->daddr;
	void *data, *data_end;
	ctx_data_ptrs(ctx, data, data_end);
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return;
	rv->b.ifindex = ctx_ifindex(ctx);
	mac_copy(rv->b.l2_dst, eth->h_source);
	mac_copy(rv->b.l2_src, eth->h_dest);
}

/* The reply key of forward entry v (nat/snat) of key fk toward be6. */
static __always_inline void reply_key6_of(const struct flow_key6 *fk, const struct flow_val6 *v,
					  const struct backend6 *be6, struct flow_key6 *rk)
{
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->src = be6->addr;
	rk->sport = fk->dport;
	rk->proto = fk->proto;
	if (v->b.mode == MODE_SNAT) {
		rk->dst = v->snat;
		rk->dport = v->b.snat_port;
	} else {
		rk->dst = fk->src;
		rk->dport = fk->sport;
	}
}

static __always_inline int reply6_of(const struct flow_val6 *rv, const struct flow_key6 *fk)
{
	return (rv->b.flags & FLOW_F_REPLY) && rv->b.cport == fk->sport && rv->b.vport == fk->dport &&
	       addr6_eq(&rv->client, &fk->src) && addr6_eq(&rv->vip, &fk->dst);
}

/* Write the reply entry again (it went missing). Did it go in? */
static __noinline int reply6_restored(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc,
				      struct flow_key6 *rk)
{
	struct flow_val6 *rv = &fc->x->e;
	reply_entry6(ctx, p, fc, fc->val->b.mode, rv);
	return flow_write6(rk, rv, BPF_NOEXIST) == 0;
}

/* flow_tracked (flow.h) for IPv6: state bits, last_seen on both entries
 * once per tick, the reply entry checked. Can the flow go on? */
static __always_inline int flow_tracked6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	struct flow_val6 *v = fc->val;
	__u32 fresh = flow_mark(&v->b, tcp_state_bits6(p, 1));
	int touch = v->b.last_seen != fc->x->now;
	if (!fresh && !touch)
		return 1;
	if (touch)
		v->b.last_seen = fc->x->now;
	if (v->b.mode != MODE_NAT && v->b.mode != MODE_SNAT)
		return 1;
	if (v->b.mode == MODE_SNAT && !v->b.snat_port)
		return 1;
	struct flow_key6 *rk = &fc->x->k;
	reply_key6_of(fc->key, v, fc->be6, rk);
	struct flow_val6 *rv = bpf_map_lookup_elem(&lb_flows6, rk);
	if (rv) {
		if (!reply6_of(rv, fc->key))
			return 0; /* its snat port went to another flow */
		rv->b.last_seen = fc->x->now;
		if (fresh)
			rv->b.state |= fresh & ~FLOW_S_RELEASED;
		return 1;
	}
	return reply6_restored(ctx, p, fc, rk);
}

static __always_inline int flow_established6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_val6 *v,
					     struct flow_ctx6 *fc)
{
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
	    (v->b.state & FLOW_S_ENDING))
		return 0;
	if (flow_expired(p->proto, &v->b, fc->x->now)) {
		count(CNT_FLOW_EXPIRED);
		return 0;
	}
	if (!flow_resume6(v, fc) || !flow_tracked6(ctx, p, fc)) {
		count(CNT_RESCHED);
		return 0;
	}
	return 1;
}

/* A reply packet on reply entry rv: state and last_seen into both entries. */
static __always_inline void reply_track6(struct v6_scratch *x, struct pkt6 *p, struct flow_val6 *rv, __u32 now)
{
	__u32 bits = tcp_state_bits6(p, 0);
	int touch = rv->b.last_seen != now;
	if ((!bits || (rv->b.state & bits) == bits) && !touch)
		return;
	rv->b.last_seen = now;
	rv->b.state |= bits;
	struct flow_key6 *k = &x->k;
	__builtin_memset(k, 0, sizeof(*k));
	k->src = rv->client;
	k->dst = rv->vip;
	k->sport = rv->b.cport;
	k->dport = rv->b.vport;
	k->proto = p->proto;
	struct flow_val6 *v = bpf_map_lookup_elem(&lb_flows6, k);
	if (!v || (v->b.flags & FLOW_F_REPLY) || v->b.backend_id != rv->b.backend_id)
		return;
	v->b.last_seen = now;
	if (bits)
		flow_mark(&v->b, bits);
}

/* The backend for a new flow (pick_backend6): a call of its own, beside
 * flow_schedule6, not inside it, so lc's bpf_loop callback frame does not
 * stack on both (the IPv4 pipeline's frame shares the 512 bytes). */
static __noinline int pick6(struct svc_info *svc, const struct flow_key6 *k, __u32 *id)
{
	return pick_backend6(svc, k, id);
}

/* Schedule the flow of fc->key on service svc to backend id (old: its
 * previous forward entry, whose count goes back). 0, or DROP_NO_BACKEND /
 * DROP_BAD_SERVICE / DROP_MAP_FULL. */
static __noinline int flow_schedule6(struct pkt6 *p, struct svc_info *svc, struct flow_val6 *old,
				     struct flow_ctx6 *fc, __u32 id)
{
	if (old)
		flow_release(&old->b);
	struct backend *be = bpf_map_lookup_elem(&lb_backends, &id);
	struct backend6 *be6 = bpf_map_lookup_elem(&lb_backends6, &id);
	if (!be || !be6)
		return DROP_NO_BACKEND;
	__u32 sid = svc->id;
	struct flow_val6 *nv = &fc->x->e;
	__builtin_memset(nv, 0, sizeof(*nv));
	nv->b.backend_id = id;
	nv->b.svc_id = sid;
	nv->b.mode = svc->mode;
	nv->b.last_seen = fc->x->now;
	if (svc->mode == MODE_SNAT) {
		struct addr6 *sa = bpf_map_lookup_elem(&lb_snat6, &sid);
		if (!sa)
			return DROP_BAD_SERVICE;
		nv->snat = *sa;
	}
	if (flow_write6(fc->key, nv, BPF_ANY))
		return DROP_MAP_FULL;
	struct flow_val6 *v = bpf_map_lookup_elem(&lb_flows6, fc->key);
	if (!v)
		return DROP_MAP_FULL;
	count(CNT_NEW_FLOW);
	count_backend_flow(id);
	active_add(id, 1);
	fc->val = v;
	fc->be = be;
	fc->be6 = be6;
	fc->x->be_id = id;
	fc->x->is_new = 1;
	flow_mark(&v->b, tcp_state_bits6(p, 1));
	return 0;
}

static __always_inline void flow_drop6(struct flow_ctx6 *fc)
{
	flow_release(&fc->val->b);
	bpf_map_delete_elem(&lb_flows6, fc->key);
}

/* ---------------------------------------------------------------- modes */

static __always_inline int mode_dsr6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	if (!(fc->be->flags & BE_F_L2))
		return DROP_NO_NEIGHBOUR;
	return fwd_sent6(fc, CNT_DSR, egress_backend6(ctx, fc, &p->saddr, p->proto, p->plen + 40));
}

/* ip6ip6 (RFC 2473): a fresh outer IPv6 header, traffic class and flow label
 * copied from the inner one, hop limit 64, next header 41. */
static __always_inline int ip6ip6_encap(struct lb_ctx *ctx, const struct addr6 *src, const struct addr6 *dst,
					__u16 inner_len)
{
	struct ipv6hdr *inner = ip6_header(ctx);
	if (!inner)
		return DROP_TRUNCATED;
	__be32 vtf = *(__be32 *)inner; /* version, traffic class, flow label */
	if (ctx_grow_mac(ctx, sizeof(struct ipv6hdr), LB_ENCAP6_FLAGS))
		return DROP_ADJUST_FAIL;
	/* written in place (no 40-byte header on the stack, which the IPv4
	 * pipeline's frame shares) */
	struct ipv6hdr *o = ip6_header(ctx);
	if (!o)
		return DROP_ADJUST_FAIL;
	*(__be32 *)o = vtf;
	o->payload_len = bpf_htons(inner_len);
	o->nexthdr = NEXTHDR_IPV6;
	o->hop_limit = IP6IP6_HOPS;
	__builtin_memcpy(&o->saddr, src, 16);
	__builtin_memcpy(&o->daddr, dst, 16);
	return 0;
}

/* ICMPv6 packet too big (type 2, code 0) from the VIP to the client, in
 * place of the packet: cut to its IPv6 header up to its L4 header's first 8
 * bytes (fewer when the packet is shorter), the new IPv6 + ICMPv6 headers
 * in front, MACs swapped, out of the interface it came in on. The verdict
 * (counted icmp_too_big once it leaves) or DROP_ICMP_FAIL. */
static __noinline int send_icmp6_too_big(struct lb_ctx *ctx, struct pkt6 *p, struct icmp6_too_big *m, __u32 mtu)
{
	__u32 q = p->l4off - ETH_HLEN + 8;
	if (q > sizeof(struct ipv6hdr) + (__u32)p->plen)
		q = (sizeof(struct ipv6hdr) + (__u32)p->plen) & ~3u; /* >= 40: the checksum sums words */
	q &= 0xff;
	if (q < sizeof(struct ipv6hdr) || q > PTB6_QUOTE_MAX)
		return DROP_ICMP_FAIL;
	struct ethhdr *eth = (struct ethhdr *)m->quote; /* until the quote is loaded */
	if (ctx_load_bytes(ctx, 0, eth, sizeof(*eth)))
		return DROP_ICMP_FAIL;
	mac_copy(m->l2_dst, eth->h_source);
	mac_copy(m->l2_src, eth->h_dest);
	m->l2_proto = bpf_htons(ETH_P_IPV6);
	if (ctx_load_bytes(ctx, ETH_HLEN, m->quote, q))
		return DROP_ICMP_FAIL;
	__builtin_memset(&m->ip, 0, sizeof(m->ip) + 8);
	*(__be32 *)&m->ip = bpf_htonl(0x60000000);
	m->ip.payload_len = bpf_htons(8 + q);
	m->ip.nexthdr = NEXTHDR_ICMPV6;
	m->ip.hop_limit = IP6IP6_HOPS;
	__builtin_memcpy(&m->ip.saddr, &p->daddr, 16); /* the VIP answers */
	__builtin_memcpy(&m->ip.daddr, &p->saddr, 16);
	m->type = ICMP6_PKT_TOO_BIG;
	m->mtu = bpf_htonl(mtu);
	/* over the pseudo header (addresses, length, next header) and the message */
	__s64 c = bpf_csum_diff(0, 0, (__be32 *)&m->ip.saddr, 32, 0);
	if (c < 0)
		return DROP_ICMP_FAIL;
	c = bpf_csum_diff(0, 0, (__be32 *)&m->type, 8 + q, (__u32)c);
	if (c < 0)
		return DROP_ICMP_FAIL;
	__u32 s = csum_add32(csum_add32((__u32)c, bpf_htonl(8 + q)), bpf_htonl(NEXTHDR_ICMPV6));
	m->check = (__u16)~csum_fold32(s);

	if (ctx_set_len(ctx, ETH_HLEN + q) || ctx_grow_mac(ctx, PTB6_HDRS, 0))
		return DROP_ICMP_FAIL;
	if (ctx_store_bytes(ctx, 0, m->l2_dst, PTB6_FRAME))
		return DROP_ICMP_FAIL;
	return sent(CNT_ICMP_TOO_BIG, redirected(ctx_redirect(ctx, ctx_ifindex(ctx))));
}

static __always_inline int mode_tunnel6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	struct backend *be = fc->be;
	__u32 len = 40 + p->plen;
	if (ctx_gso_size(ctx))
		len = (p->l4off - ETH_HLEN) + p->l4hlen + ctx_gso_size(ctx);
	if (be->mtu && len + sizeof(struct ipv6hdr) > be->mtu)
		return send_icmp6_too_big(ctx, p, &fc->x->ptb, be->mtu - sizeof(struct ipv6hdr));
	int r = ip6ip6_encap(ctx, &fc->be6->src_addr, &fc->be6->addr, 40 + p->plen);
	if (r < 0)
		return r;
	return fwd_sent6(fc, CNT_ENCAP, egress_backend6(ctx, fc, &fc->be6->src_addr, NEXTHDR_IPV6, 80 + p->plen));
}

static __noinline int nat6_reply_entry(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	struct flow_key6 *rk = &fc->x->k;
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->src = fc->be6->addr;
	rk->dst = p->saddr;
	rk->sport = p->dport;
	rk->dport = p->sport;
	rk->proto = p->proto;
	struct flow_val6 *rv = &fc->x->e;
	reply_entry6(ctx, p, fc, MODE_NAT, rv);
	return flow_write6(rk, rv, BPF_ANY) ? DROP_MAP_FULL : 0;
}

static __always_inline int mode_nat6_fwd(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	int r;
	if (fc->x->is_new) {
		r = nat6_reply_entry(ctx, p, fc);
		if (r < 0) {
			flow_drop6(fc);
			return r;
		}
	}
	r = rewrite_addrs6(ctx, p, 0, &fc->be6->addr);
	if (r < 0)
		return r;
	return fwd_sent6(fc, CNT_NAT_FWD, egress_backend6(ctx, fc, &p->saddr, p->proto, p->plen + 40));
}

/* snat: claim a port toward the backend from the service's IPv6 source
 * (the reply entry inserted exclusively). As in IPv4 (mode_snat.h), a port
 * given back rests as long as the servers' TIME_WAIT (lb_snat_rest, its
 * address folded) while another may be had, and so does one whose flow has
 * expired unswept (from its last packet); when every port tried rests, the
 * first goes anyway, counted snat_early. 0 (fc->val->b.snat_port set) or
 * DROP_SNAT_PORTS. */
static __noinline int snat6_claim(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	struct flow_val6 *rv = &fc->x->e;
	reply_entry6(ctx, p, fc, MODE_SNAT, rv);
	struct flow_key6 *rk = &fc->x->k;
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->src = fc->be6->addr;
	rk->dst = fc->val->snat;
	rk->sport = p->dport;
	rk->proto = p->proto;
	__u32 bid = fc->x->be_id;
	__u32 *cur = bpf_map_lookup_elem(&lb_snat_next, &bid);
	if (!cur)
		return DROP_SNAT_PORTS;
	/* the rest key and the spare live in the scratch: this frame is on the
	 * pipeline's deepest call chain (512 bytes in all) */
	fc->x->rest.backend_id = bid;
	fc->x->rest.addr = snat6_rest_addr(&rk->dst);
	fc->x->rest.pad = 0;
	fc->x->spare = 0;
	for (int t = 0; t < 8; t++) {
		__u32 n = __sync_fetch_and_add(cur, 1);
		rk->dport = bpf_htons(SNAT_PORT_MIN + n % SNAT_PORT_SPAN);
		fc->x->rest.port = rk->dport;
		__u32 *rested = bpf_map_lookup_elem(&lb_snat_rest, &fc->x->rest);
		if (rested && ticks_since(fc->x->now, *rested) < snat_rest()) {
			fc->x->spare = fc->x->spare ? fc->x->spare : rk->dport;
			continue;
		}
		if (!bpf_map_update_elem(&lb_flows6, rk, rv, BPF_NOEXIST))
			goto claimed;
		struct flow_val6 *held = bpf_map_lookup_elem(&lb_flows6, rk);
		if (held && ((held->b.flags & FLOW_F_REPLY) && reply6_of(held, fc->key)) &&
		    !bpf_map_update_elem(&lb_flows6, rk, rv, BPF_EXIST))
			goto claimed; /* this flow's own, from before */
		if (held && flow_expired(p->proto, &held->b, fc->x->now)) {
			if (ticks_since(fc->x->now, held->b.last_seen) >= snat_rest() &&
			    !bpf_map_update_elem(&lb_flows6, rk, rv, BPF_EXIST))
				goto claimed;
			fc->x->spare = fc->x->spare ? fc->x->spare : rk->dport;
		}
	}
	if (!fc->x->spare)
		return DROP_SNAT_PORTS;
	/* every port tried rests or is held: the first resting one goes */
	rk->dport = fc->x->spare;
	struct flow_val6 *was = bpf_map_lookup_elem(&lb_flows6, rk);
	if (was ? !flow_expired(p->proto, &was->b, fc->x->now) || bpf_map_update_elem(&lb_flows6, rk, rv, BPF_EXIST)
		: bpf_map_update_elem(&lb_flows6, rk, rv, BPF_NOEXIST))
		return DROP_SNAT_PORTS;
	count(CNT_SNAT_EARLY);
claimed:
	flow_cache6_forget(rk); /* once, after the loop's writes (flow_write6's rule) */
	fc->val->b.snat_port = rk->dport;
	return 0;
}

static __always_inline int mode_snat6_fwd(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	int r;
	if (fc->x->is_new || !fc->val->b.snat_port) {
		r = snat6_claim(ctx, p, fc);
		if (r < 0) {
			flow_drop6(fc);
			return r;
		}
	}
	struct flow_val6 *v = fc->val;
	r = rewrite_addrs6(ctx, p, &v->snat, &fc->be6->addr);
	if (r >= 0)
		r = rewrite_ports6(ctx, p, v->b.snat_port, p->dport);
	if (r < 0)
		return r;
	return fwd_sent6(fc, CNT_SNAT_FWD, egress_backend6(ctx, fc, &v->snat, p->proto, p->plen + 40));
}

/* Back to the client of reply entry rv: the way its request came (learned),
 * else the FIB, else the stack. */
static __always_inline int egress_client6(struct lb_ctx *ctx, struct flow_val6 *rv, const struct addr6 *src,
					  const struct addr6 *dst, __u8 proto, __u16 tot_len)
{
	if (rv->b.ifindex) {
		int v = set_macs(ctx, rv->b.l2_dst, rv->b.l2_src);
		return v < 0 ? v : redirect_to(ctx, rv->b.ifindex);
	}
	int v = fib_redirect6(ctx, src, dst, proto, tot_len);
	return v == DROP_FIB_FAIL ? LB_PASS : v;
}

/* Replies of nat/snat flows: nat src := VIP; snat src := VIP:port, dst :=
 * client:port. Back the way the request came (learned), else the FIB, else
 * the stack. */
static __always_inline int mode_reverse6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_val6 *rv)
{
	__u32 cnt = CNT_NAT_REV;
	const struct addr6 *dst = &p->daddr;
	int r;
	if (rv->b.mode == MODE_SNAT) {
		cnt = CNT_SNAT_REV;
		dst = &rv->client;
		r = rewrite_addrs6(ctx, p, &rv->vip, &rv->client);
		if (r >= 0)
			r = rewrite_ports6(ctx, p, rv->b.vport, rv->b.cport);
	} else {
		r = rewrite_addrs6(ctx, p, &rv->vip, 0);
		if (r >= 0)
			r = rewrite_ports6(ctx, p, rv->b.vport, p->dport);
	}
	if (r < 0)
		return r;
	return sent(cnt, egress_client6(ctx, rv, &rv->vip, dst, p->proto, p->plen + 40));
}

/* ---------------------------------------------------------------- ICMPv6 errors */

/* The lb_flows6 entry of the flow an ICMPv6 error is about (its header and
 * quote loaded into x->q6): a nat/snat reply entry (the error comes from
 * the backend's side) or a forward entry (from the client's side, about a
 * reply), or NULL: not an error, a quote with extension headers, or no
 * flow of ours. */
static __noinline struct flow_val6 *icmp6_error_flow(struct lb_ctx *ctx, struct pkt6 *p, struct v6_scratch *x)
{
	struct icmp6_quote *q = &x->q6;
	if (ctx_load_bytes(ctx, p->l4off, q, sizeof(*q)))
		return 0;
	if (q->type < ICMP6_DEST_UNREACH || q->type > ICMP6_PARAMPROB || q->ip.version != 6 ||
	    (q->ip.nexthdr != IPPROTO_TCP && q->ip.nexthdr != IPPROTO_UDP))
		return 0;
	/* the quote is a forward packet after nat/snat: reversed, a reply key */
	struct flow_key6 *k = &x->k;
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(&k->src, &q->ip.daddr, 16);
	__builtin_memcpy(&k->dst, &q->ip.saddr, 16);
	k->sport = q->dport;
	k->dport = q->sport;
	k->proto = q->ip.nexthdr;
	struct flow_val6 *v = bpf_map_lookup_elem(&lb_flows6, k);
	if (!v || flow_expired(k->proto, &v->b, x->now))
		return 0;
	return v;
}

/* Error x->q6 rewritten as x->out6 (outer source, destination), x->qn6
 * and qn_sport / qn_dport (the quote's) say, every checksum kept right
 * (the sums by bpf_csum_diff over the old and new words in scratch: this
 * runs deep in the pipeline's frames). The egress is the caller's. 0 or a
 * drop code. */
static __noinline int icmp6_rewrite(struct lb_ctx *ctx, struct pkt6 *p, struct v6_scratch *x)
{
	struct icmp6_quote *q = &x->q6;
	struct icmp6_quote *o = &x->q6_old;
	__builtin_memcpy(o, q, sizeof(*q));
	__builtin_memcpy(&q->ip.saddr, &x->qn6[0], 16);
	__builtin_memcpy(&q->ip.daddr, &x->qn6[1], 16);
	q->sport = x->qn_sport;
	q->dport = x->qn_dport;

	__u32 l4off = p->l4off & 0xff; /* <= 14 + 40 + EXT6_BYTES */
	__u32 end = ETH_HLEN + sizeof(struct ipv6hdr) + (__u32)p->plen;
	/* the quoted L4 checksum, when the quote holds it (TCP's is at 16) */
	__u32 qcoff = l4off + QUOTE6_L4_OFF + (o->ip.nexthdr == IPPROTO_TCP ? 16 : 6);
	int udp = o->ip.nexthdr == IPPROTO_UDP;
	int has_qc = udp || qcoff + 2 <= end;
	__u16 qc = 0;
	if (udp)
		qc = o->l4w3;
	else if (has_qc && ctx_load_bytes(ctx, qcoff, &qc, 2))
		return DROP_REWRITE_FAIL;
	/* quoted L4: addresses (its pseudo header) and ports */
	__s64 d = bpf_csum_diff((__be32 *)&o->ip.saddr, 32, (__be32 *)&q->ip.saddr, 32, 0);
	if (d >= 0)
		d = bpf_csum_diff((__be32 *)&o->sport, 4, (__be32 *)&q->sport, 4, (__u32)d);
	if (d < 0)
		return DROP_REWRITE_FAIL;
	__u16 nqc = qc;
	if (has_qc && !(udp && qc == 0)) {
		nqc = csum_replace_full(qc, (__u32)d);
		if (udp && nqc == 0)
			nqc = 0xffff;
	}
	if (udp)
		q->l4w3 = nqc;
	/* ICMPv6: the pseudo header's addresses and every quoted byte that changed */
	d = bpf_csum_diff((__be32 *)&p->saddr, 32, (__be32 *)x->out6, 32, 0);
	if (d >= 0)
		d = bpf_csum_diff((__be32 *)&o->rest, sizeof(*o) - 4, (__be32 *)&q->rest, sizeof(*q) - 4, (__u32)d);
	if (d < 0)
		return DROP_REWRITE_FAIL;
	__u32 di = (__u32)d;
	if (!udp)
		di = csum_add32(di, CSUM_D16(qc, nqc));
	q->check = csum_replace_full(o->check, di);
	if (ctx_store_bytes(ctx, l4off, q, sizeof(*q)))
		return DROP_REWRITE_FAIL;
	if (!udp && has_qc && ctx_store_bytes(ctx, qcoff, &nqc, 2))
		return DROP_REWRITE_FAIL;
	struct ipv6hdr *ip6 = ip6_header(ctx);
	if (!ip6)
		return DROP_REWRITE_FAIL;
	__builtin_memcpy(&ip6->saddr, x->out6, 32);
	return 0;
}

/* An error from the backend's side about reply entry rv's flow, for the
 * client: outer destination the client, outer source the VIP when the
 * backend itself sent it (a router keeps its address); the quote restored
 * to what the client sent. */
static __always_inline void icmp6_for_client(struct pkt6 *p, struct v6_scratch *x, struct flow_val6 *rv)
{
	struct icmp6_quote *q = &x->q6;
	x->out6[0] = addr6_eq(&p->saddr, (struct addr6 *)&q->ip.daddr) ? rv->vip : p->saddr;
	x->out6[1] = rv->client;
	x->qn6[0] = rv->client;
	x->qn6[1] = rv->vip;
	x->qn_sport = rv->b.cport;
	x->qn_dport = rv->b.vport;
}

/* An error from the client's side about a reply of forward entry v's flow
 * (e.g. a router toward the client that needs a smaller MTU): on to the
 * flow's backend the way its mode sends (dsr: MACs; tunnel: ip6ip6; nat:
 * destination and quoted source := backend; snat: also source and quoted
 * destination := our snat address:port), so the backend's path MTU
 * discovery works. Counted icmp_fwd. A TC verdict or a drop code; a flow
 * whose backend left: not ours, passed. */
static __noinline int icmp6_to_backend(struct lb_ctx *ctx, struct pkt6 *p, struct v6_scratch *x,
				       struct flow_val6 *v)
{
	struct flow_ctx6 fc;
	fc.x = x;
	fc.key = &x->fk;
	if (!flow_resume6(v, &fc))
		return pass();
	__u8 mode = v->b.mode;
	const struct addr6 *src = &p->saddr;
	int r;
	if (mode == MODE_NAT || mode == MODE_SNAT) {
		struct icmp6_quote *q = &x->q6;
		x->out6[0] = p->saddr;
		x->out6[1] = fc.be6->addr;
		x->qn6[0] = fc.be6->addr;
		__builtin_memcpy(&x->qn6[1], &q->ip.daddr, 16);
		x->qn_sport = q->sport;
		x->qn_dport = q->dport;
		if (mode == MODE_SNAT) {
			if (!v->b.snat_port)
				return DROP_SNAT_PORTS;
			x->out6[0] = v->snat;
			x->qn6[1] = v->snat;
			x->qn_dport = v->b.snat_port;
		}
		r = icmp6_rewrite(ctx, p, x);
		if (r < 0)
			return r;
		src = &x->out6[0];
	} else if (mode == MODE_TUNNEL) {
		r = ip6ip6_encap(ctx, &fc.be6->src_addr, &fc.be6->addr, 40 + p->plen);
		if (r < 0)
			return r;
		return sent(CNT_ICMP_FWD, egress_backend6(ctx, &fc, &fc.be6->src_addr, NEXTHDR_IPV6, 80 + p->plen));
	} else if (mode == MODE_DSR) {
		if (!(fc.be->flags & BE_F_L2))
			return DROP_NO_NEIGHBOUR; /* as mode_dsr6 */
	} else {
		return DROP_BAD_SERVICE;
	}
	return sent(CNT_ICMP_FWD, egress_backend6(ctx, &fc, src, NEXTHDR_ICMPV6, 40 + p->plen));
}

static __always_inline int lb_forward6(struct lb_ctx *ctx, struct pkt6 *p, struct flow_ctx6 *fc)
{
	switch (fc->val->b.mode) {
	case MODE_DSR:
		return mode_dsr6(ctx, p, fc);
	case MODE_TUNNEL:
		return mode_tunnel6(ctx, p, fc);
	case MODE_NAT:
		return mode_nat6_fwd(ctx, p, fc);
	case MODE_SNAT:
		return mode_snat6_fwd(ctx, p, fc);
	}
	return DROP_BAD_SERVICE;
}

/* ---------------------------------------------------------------- pipeline */

static __always_inline int frag6_note(struct v6_scratch *x, struct pkt6 *p)
{
	struct frag_key6 *k = (struct frag_key6 *)&x->k;
	__builtin_memset(k, 0, sizeof(*k));
	k->src = p->saddr;
	k->dst = p->daddr;
	k->id = p->frag_id;
	k->proto = p->proto;
	struct frag_val v = { .sport = p->sport, .dport = p->dport };
	if (bpf_map_update_elem(&lb_frags6, k, &v, BPF_ANY))
		return DROP_MAP_FULL;
	count(CNT_FRAG_FIRST);
	return 0;
}

/* A frame that is not IPv4: an IPv6 one is ours to parse; anything else
 * (ARP, ...) passes. A TC verdict or a drop code (the caller counts it). */
static __noinline int lb_process6(struct lb_ctx *ctx)
{
	__u32 zero = 0;
	struct v6_scratch *x = bpf_map_lookup_elem(&lb_v6_scratch, &zero);
	if (!x)
		return pass(); /* never: an array of one */
	struct pkt6 *p = &x->p;
	int r = parse_pkt6(ctx, p);
	if (r < 0)
		return r;
	if (r == 0)
		return pass();
	if (p->has_ext)
		count(CNT_IPV6_EXT);
	if (p->ext_refused)
		return is_vip6(x, &p->daddr) ? DROP_EXT_HEADER : pass();

	if (p->frag_later) {
		struct frag_key6 *fk = (struct frag_key6 *)&x->k;
		__builtin_memset(fk, 0, sizeof(*fk));
		fk->src = p->saddr;
		fk->dst = p->daddr;
		fk->id = p->frag_id;
		fk->proto = p->proto;
		struct frag_val *f = bpf_map_lookup_elem(&lb_frags6, fk);
		if (!f)
			return is_vip6(x, &p->daddr) ? DROP_FRAG : pass();
		p->sport = f->sport;
		p->dport = f->dport;
	} else if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) {
		if (p->proto == NEXTHDR_ICMPV6 && !p->is_frag) {
			/* an error about one of our nat/snat flows: to its client */
			x->now = lb_now();
			struct flow_val6 *ev = icmp6_error_flow(ctx, p, x);
			if (ev && (ev->b.flags & FLOW_F_REPLY)) {
				icmp6_for_client(p, x, ev);
				r = icmp6_rewrite(ctx, p, x);
				if (r < 0)
					return r;
				return sent(CNT_ICMP_REV, egress_client6(ctx, ev, &x->out6[0], &ev->client, NEXTHDR_ICMPV6,
									 p->plen + 40));
			}
			if (ev)
				return icmp6_to_backend(ctx, p, x, ev);
		}
		if (!is_vip6(x, &p->daddr))
			return pass(); /* neighbour discovery, the balancer's own traffic */
		if (p->proto == NEXTHDR_ICMPV6)
			count(CNT_ICMP_VIP);
		return pass();
	}

	struct flow_ctx6 fc;
	fc.x = x;
	fc.key = &x->fk;
	flow_key6_of(p, fc.key);
	x->len = ctx_len(ctx);

	/* An established packet, either direction: one probe of this CPU's
	 * flow cache (flow_cache6.h); lb_flows6, the truth, when that misses or
	 * the copy is due for a check. One call of each mode for both ways
	 * (and the epoch and slot index in scratch): this frame stacks under
	 * lc's bpf_loop callback. */
	x->epoch = fc_epoch();
	x->fc_idx = fc6_index(fc.key);
	x->from_cache = 0;
	struct flow_val6 *v = 0;
	struct flow_cache_slot6 *slot = fc6_slot(x);
	if (fc6_cacheable(p) && slot && fc6_key_eq(&slot->k, fc.key) && fc6_fresh(slot, x->epoch)) {
		v = &slot->v;
		x->from_cache = 1;
		if (v->b.flags & FLOW_F_REPLY)
			goto reverse;
		/* TCP: the packet that establishes the flow marks lb_flows6 */
		if ((p->proto != IPPROTO_TCP || (v->b.state & FLOW_S_EST)) && flow_resume6(v, &fc))
			goto forward;
		/* its backend left or failed: lb_flows6 decides (re-schedule) */
		x->from_cache = 0;
	}

	x->now = lb_now();
	v = bpf_map_lookup_elem(&lb_flows6, fc.key);
	if (v && (v->b.flags & FLOW_F_REPLY)) {
		if (!flow_expired(p->proto, &v->b, x->now)) {
			if (p->frag_later) {
				count(CNT_FRAG_LATER);
			} else {
				reply_track6(x, p, v, x->now);
				r = p->is_frag ? frag6_note(x, p) : 0;
				if (r < 0)
					return r;
			}
			if (fc6_cacheable(p))
				flow_cache6_put(fc6_slot(x), fc.key, v, x->epoch);
			goto reverse;
		}
		v = 0;
	}
	if (p->frag_later) {
		if (!v || !flow_resume6(v, &fc))
			return DROP_FRAG;
		count(CNT_FRAG_LATER);
	} else if (!v || !flow_established6(ctx, p, v, &fc)) {
		struct svc6_key *k = (struct svc6_key *)&x->k;
		__builtin_memset(k, 0, sizeof(*k));
		k->vip = p->daddr;
		k->port = p->dport;
		k->proto = p->proto;
		struct svc_info *svc = bpf_map_lookup_elem(&lb_services6, k);
		if (!svc)
			return pass();
		__u32 id;
		r = pick6(svc, fc.key, &id);
		if (r < 0) {
			if (v)
				flow_release(&v->b); /* as IPv4: the old backend gives it up */
			return r;
		}
		r = flow_schedule6(p, svc, v, &fc, id);
		if (r < 0)
			return r;
	}
	if (p->is_frag && !p->frag_later) {
		r = frag6_note(x, p);
		if (r < 0)
			return r;
	}
forward:
	r = lb_forward6(ctx, p, &fc);
	/* after the mode ran: snat has claimed its port by now (or dropped the flow) */
	if (r >= 0 && !x->from_cache && fc6_cacheable(p) && (fc.val->b.mode != MODE_SNAT || fc.val->b.snat_port))
		flow_cache6_put(fc6_slot(x), fc.key, fc.val, x->epoch);
	return r;
reverse:
	return mode_reverse6(ctx, p, v);
}

#endif /* LB_V6_H */
