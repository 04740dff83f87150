/* icmp6.h — ICMPv6 for the IPv6 pipeline (lb_v6.h), the twins of
 * icmp_err.h and icmp.h:
 *  - an error (destination unreachable, packet too big, time exceeded,
 *    parameter problem) from the backend's side whose quote, reversed, is
 *    the key of a nat/snat reply entry in lb_flows6: translated back for
 *    the client like its IPv4 twin (outer destination := client, outer
 *    source := VIP when the backend itself sent it; quoted source :=
 *    client:port, quoted destination := VIP:port), the quoted L4 checksum
 *    and the ICMPv6 checksum (over the pseudo header: the outer addresses
 *    are in it) updated, sent the way replies go, counted icmp_rev; one
 *    from the client's side about a reply (its reversed quote a forward
 *    entry) goes on to the flow's backend the way its mode sends, counted
 *    icmp_fwd (lb_v6.h);
 *  - packet too big (type 2) from the VIP to the client when a tunnel6
 *    packet would not fit the backend's MTU once wrapped (IPv6 routers
 *    never fragment: the client's path MTU discovery needs it).
 * Quotes with extension headers are not matched (they go on as before).
 * Changing bytes together with the checksum that covers them leaves a
 * CHECKSUM_COMPLETE skb's sum valid, as in icmp_err.h. */
#ifndef LB_ICMP6_H
#define LB_ICMP6_H

#include "parse6.h"
#include "csum.h"

#define ICMP6_DEST_UNREACH 1
#define ICMP6_PKT_TOO_BIG  2
#define ICMP6_PARAMPROB    4

/* The ICMPv6 header, the quoted IPv6 header and the quoted L4 header's
 * first 8 bytes. */
struct icmp6_quote {
	__u8 type;
	__u8 code;
	__u16 check;
	__u32 rest;
	struct ipv6hdr ip;
	__be16 sport;
	__be16 dport;
	__u16 l4w2; /* UDP: length; TCP: sequence number, high half */
	__u16 l4w3; /* UDP: checksum; TCP: sequence number, low half */
};

#define QUOTE6_L4_OFF (8 + sizeof(struct ipv6hdr)) /* from the ICMPv6 header */

/* Packet too big back to the client: the new IPv6 and ICMPv6 headers, then
 * the quote (the client's IPv6 header up to its L4 header's first 8 bytes,
 * extension headers included: a multiple of 8, at most 176 bytes; what
 * Linux needs to find the socket, well within the 1280-byte minimum). */
#define PTB6_QUOTE_MAX (sizeof(struct ipv6hdr) + EXT6_BYTES + 8)

struct icmp6_too_big {
	__u8 pad[2];
	__u8 l2_dst[ETH_ALEN]; /* the Ethernet header, turned around */
	__u8 l2_src[ETH_ALEN];
	__be16 l2_proto;
	struct ipv6hdr ip;
	__u8 type;
	__u8 code;
	__u16 check;
	__be32 mtu;
	__u8 quote[PTB6_QUOTE_MAX];
};

#define PTB6_HDRS (sizeof(struct ipv6hdr) + 8)

/* built off the stack (the pipeline's frames share 512 bytes): from l2_dst */
#define PTB6_FRAME (ETH_HLEN + PTB6_HDRS)

#endif /* LB_ICMP6_H */
