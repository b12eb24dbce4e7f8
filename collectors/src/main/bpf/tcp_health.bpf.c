// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TCP health per socket for Nodescope's tcp collector.
 *
 * nodescope_tcp_sockops (sock_ops, attached to the root of the host's cgroup v2 hierarchy) turns on
 * the RTT, RTO, RETRANS and STATE callbacks for every socket that connects or is accepted, and no
 * per-packet header-option callback. A socket's row in tcp_rows is made at connect or accept, with
 * its ends, its role and the time connect() began, and each callback updates it in place. When the
 * socket closes, its row is copied with its cookie into the ring buffer tcp_closed and deleted, on
 * the CPU that closed it, so tcp_rows holds open sockets only and a row's memory is reused while it
 * is still in that CPU's cache. The agent reads the open rows in batches at its interval and drains
 * tcp_closed through its memory mapping, without a system call per socket.
 *
 * nodescope_tcp_send_reset and nodescope_tcp_receive_reset (raw tracepoints tcp:tcp_send_reset and
 * tcp:tcp_receive_reset) count resets by connection and direction in tcp_resets, since sock_ops sees
 * a socket close but not who reset it, and a reset answering a packet to a closed port has no socket.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "kernel_types.h"
#include "tcp_health.h"

#define AF_INET 2
#define AF_INET6 10
#define EEXIST 17

/*
 * Sizes are placeholders: the agent sets them from the node's memory before loading. tcp_rows is
 * preallocated: every socket inserts a row and deletes it at close, and taking a row from the map's
 * free list costs a connection less than allocating and freeing it through RCU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct tcp_row);
} tcp_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct tcp_reset_key);
	__type(value, __u64);
} tcp_resets SEC(".maps");

/*
 * The last row of each closed socket, until the agent's next read: sized by the agent like tcp_rows
 * (a power of two of pages). A row that finds it full is counted in tcp_errors and lost.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} tcp_closed SEC(".maps");

/* Rare, so shared by every CPU with atomic adds. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_ERR_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} tcp_errors SEC(".maps");

static const __u32 rtt_bounds_us[TCP_RTT_BOUNDS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000,
};

static __always_inline void count_error(__u32 slot)
{
	__u64 *count = bpf_map_lookup_elem(&tcp_errors, &slot);

	if (count)
		__sync_fetch_and_add(count, 1);
}

/* A row for a socket that has none: its ends, nothing counted yet. */
static __always_inline void fresh_row(struct tcp_row *row, struct bpf_sock_ops *skops, __u8 role)
{
	__builtin_memset(row, 0, sizeof(*row));
	row->family = skops->family;
	row->role = role;
	row->local_port = skops->local_port;
	row->remote_port = bpf_ntohl(skops->remote_port);
	if (skops->family == AF_INET) {
		__builtin_memcpy(row->local_addr, &skops->local_ip4, 4);
		__builtin_memcpy(row->remote_addr, &skops->remote_ip4, 4);
	} else {
		__u32 *local = (__u32 *)row->local_addr, *remote = (__u32 *)row->remote_addr;

		/* One 4-byte load each: the verifier refuses wider reads of these context fields. */
#pragma unroll
		for (int i = 0; i < 4; i++) {
			local[i] = *(volatile __u32 *)&skops->local_ip6[i];
			remote[i] = *(volatile __u32 *)&skops->remote_ip6[i];
		}
	}
}

static __always_inline __u32 now_us(void)
{
	return bpf_ktime_get_ns() / 1000;
}

/*
 * At connect or accept: the socket's row is made with its role (and for a client the time connect()
 * began) and its callbacks turned on. A row already there (connect() again after a failed attempt)
 * takes the new role and time. A socket that gets no row (the map is full) is counted once and not
 * watched: its callbacks stay off.
 */
static __always_inline void watch(struct bpf_sock_ops *skops, __u8 role)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcp_row fresh, *row;
	long err;

	fresh_row(&fresh, skops, role);
	if (role == TCP_ROLE_CLIENT)
		fresh.connect_started_us = now_us();
	err = bpf_map_update_elem(&tcp_rows, &cookie, &fresh, BPF_NOEXIST);
	if (err == -EEXIST) {
		row = bpf_map_lookup_elem(&tcp_rows, &cookie);
		if (row) {
			row->role = role;
			row->connect_started_us = fresh.connect_started_us;
		}
	} else if (err) {
		count_error(TCP_ERR_ROW_INSERT);
		return;
	}
	/* Added to the flags the socket has: another sock_ops program (Cilium's) may have set its own. */
	if (bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_RTT_CB_FLAG |
						     BPF_SOCK_OPS_RTO_CB_FLAG |
						     BPF_SOCK_OPS_RETRANS_CB_FLAG |
						     BPF_SOCK_OPS_STATE_CB_FLAG) < 0)
		count_error(TCP_ERR_CB_FLAGS);
}

static __always_inline void record_rtt(struct tcp_row *row, __u32 srtt_us)
{
	__u32 bucket = TCP_RTT_BOUNDS;

#pragma unroll
	for (int i = TCP_RTT_BOUNDS - 1; i >= 0; i--)
		if (srtt_us <= rtt_bounds_us[i])
			bucket = i;
	if (bucket < TCP_RTT_BUCKETS)
		row->rtt_buckets[bucket] += 1;
	row->rtt_sum_us += srtt_us;
	row->rtt_count += 1;
}

/* What one callback adds to the socket's row. */
static __always_inline void record(struct tcp_row *row, struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_RTT_CB:
		record_rtt(row, skops->srtt_us >> 3);
		break;
	case BPF_SOCK_OPS_RTO_CB:
		row->timeouts += 1;
		break;
	case BPF_SOCK_OPS_RETRANS_CB:
		row->retransmitted_segments += skops->args[1];
		break;
	case BPF_SOCK_OPS_STATE_CB:
		row->flags |= TCP_ROW_CLOSED;
		if (skops->args[0] == BPF_TCP_SYN_SENT)
			row->failed_connects += 1;
		break;
	}
}

/*
 * A closed socket's row goes to tcp_closed and leaves tcp_rows. No wake-up: the agent drains the
 * ring at its interval.
 */
static __always_inline void hand_over(__u64 cookie, struct tcp_row *row)
{
	struct tcp_closed_row *out = bpf_ringbuf_reserve(&tcp_closed, sizeof(*out), 0);

	if (out) {
		out->cookie = cookie;
		__builtin_memcpy(&out->row, row, sizeof(*row));
		bpf_ringbuf_submit(out, BPF_RB_NO_WAKEUP);
	} else {
		count_error(TCP_ERR_CLOSED_LOST);
	}
	bpf_map_delete_elem(&tcp_rows, &cookie);
}

SEC("sockops")
int nodescope_tcp_sockops(struct bpf_sock_ops *skops)
{
	struct tcp_row *row;
	__u64 cookie;

	if (skops->family != AF_INET && skops->family != AF_INET6)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		watch(skops, TCP_ROLE_CLIENT);
		return 1;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		watch(skops, TCP_ROLE_SERVER);
		return 1;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		cookie = bpf_get_socket_cookie(skops);
		row = bpf_map_lookup_elem(&tcp_rows, &cookie);
		if (row && row->role == TCP_ROLE_CLIENT && !row->connect_us)
			row->connect_us = (now_us() - row->connect_started_us) ?: 1;
		return 1;
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] != BPF_TCP_CLOSE)
			return 1;
		break;
	case BPF_SOCK_OPS_RTT_CB:
	case BPF_SOCK_OPS_RTO_CB:
	case BPF_SOCK_OPS_RETRANS_CB:
		break;
	default:
		return 1;
	}
	/* Watched sockets have rows; another program's sockets may call back without one. */
	cookie = bpf_get_socket_cookie(skops);
	row = bpf_map_lookup_elem(&tcp_rows, &cookie);
	if (!row)
		return 1;
	record(row, skops);
	if (row->flags & TCP_ROW_CLOSED)
		hand_over(cookie, row);
	return 1;
}

static __always_inline void count_reset(struct tcp_reset_key *key)
{
	__u64 one = 1, *count;

	key->cpu = bpf_get_smp_processor_id();
	count = bpf_map_lookup_elem(&tcp_resets, key);
	if (count) {
		*count += 1;
		return;
	}
	if (bpf_map_update_elem(&tcp_resets, key, &one, BPF_NOEXIST))
		count_error(TCP_ERR_RESET_INSERT);
}

static __always_inline void key_from_sock(struct tcp_reset_key *key, const struct sock *sk)
{
	key->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	key->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	key->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (key->family == AF_INET) {
		__be32 local = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__be32 remote = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(key->local_addr, &local, 4);
		__builtin_memcpy(key->remote_addr, &remote, 4);
	} else {
		BPF_CORE_READ_INTO(&key->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&key->remote_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* The packet a reset answers, read from its headers: its destination is the local end. */
static __always_inline int key_from_packet(struct tcp_reset_key *key, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *ip = head + BPF_CORE_READ(skb, network_header);
	unsigned char *tcp = head + BPF_CORE_READ(skb, transport_header);
	__u8 version;
	__be16 ports[2];

	if (bpf_probe_read_kernel(&version, 1, ip) || bpf_probe_read_kernel(ports, 4, tcp))
		return -1;
	key->remote_port = bpf_ntohs(ports[0]);
	key->local_port = bpf_ntohs(ports[1]);
	if ((version >> 4) == 4) {
		key->family = AF_INET;
		if (bpf_probe_read_kernel(key->remote_addr, 4, ip + 12) ||
		    bpf_probe_read_kernel(key->local_addr, 4, ip + 16))
			return -1;
		return 0;
	}
	key->family = AF_INET6;
	if (bpf_probe_read_kernel(key->remote_addr, 16, ip + 8) ||
	    bpf_probe_read_kernel(key->local_addr, 16, ip + 24))
		return -1;
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(nodescope_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_reset_key key = {.direction = TCP_RESET_SENT};

	if (sk)
		key_from_sock(&key, sk);
	else if (!skb || key_from_packet(&key, skb))
		return 0;
	count_reset(&key);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(nodescope_tcp_receive_reset, struct sock *sk)
{
	struct tcp_reset_key key = {.direction = TCP_RESET_RECEIVED};

	key_from_sock(&key, sk);
	count_reset(&key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
