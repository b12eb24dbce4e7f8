/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The layouts shared by the tcp programs and the agent (TcpMapLayout.java decodes them; change both
 * together). All integers are in the host's byte order except addresses, which keep the network's.
 */
#ifndef NODESCOPE_TCP_HEALTH_H
#define NODESCOPE_TCP_HEALTH_H

#include <linux/types.h>

/* Upper bounds of the RTT buckets, in microseconds: 50 µs to 5 s; one more bucket counts the rest. */
#define TCP_RTT_BOUNDS 16
#define TCP_RTT_BUCKETS (TCP_RTT_BOUNDS + 1)

#define TCP_ROLE_UNKNOWN 0
#define TCP_ROLE_CLIENT 1
#define TCP_ROLE_SERVER 2

#define TCP_ROW_CLOSED 1

/*
 * One socket, keyed by its cookie (bpf_get_socket_cookie). TCP runs every callback of a socket
 * under that socket's lock, so a row has one writer at a time and no update needs an atomic
 * instruction.
 */
struct tcp_row {
	__u8 local_addr[16];  /* IPv4 in the first four bytes */
	__u8 remote_addr[16];
	__u16 local_port;
	__u16 remote_port;
	__u16 family;         /* AF_INET or AF_INET6 */
	__u8 role;            /* TCP_ROLE_*: set at connect() or at the passive open */
	__u8 flags;           /* TCP_ROW_CLOSED once the socket reached TCP_CLOSE */
	__u64 retransmitted_segments;
	__u64 rtt_sum_us;
	__u32 rtt_count;
	__u32 timeouts;       /* RTO fired */
	__u32 connect_us;     /* SYN sent to established; 0 when not (yet) known */
	__u32 failed_connects; /* SYN_SENT -> CLOSE */
	__u32 rtt_buckets[TCP_RTT_BUCKETS];
	__u32 connect_started_us; /* at connect(): the monotonic clock in µs, modulo 2^32 */
};

/* A closed socket's last row in the ring buffer tcp_closed: the map's key and value, end to end. */
struct tcp_closed_row {
	__u64 cookie;
	struct tcp_row row;
};

#define TCP_RESET_SENT 0
#define TCP_RESET_RECEIVED 1

/* Resets by connection and direction; a reset sent for a packet that found no socket has no cookie. */
struct tcp_reset_key {
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;
	__u16 remote_port;
	__u16 family;
	__u8 direction; /* TCP_RESET_* */
	__u8 pad;
	__u32 cpu;
	__u32 pad2;
};

/* Slots of the error counters (tcp_errors). */
#define TCP_ERR_ROW_INSERT 0
#define TCP_ERR_RESET_INSERT 1
#define TCP_ERR_CB_FLAGS 2
#define TCP_ERR_CLOSED_LOST 3 /* tcp_closed was full */
#define TCP_ERR_SLOTS 4

#endif
