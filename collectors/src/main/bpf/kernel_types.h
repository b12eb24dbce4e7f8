/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few kernel structures the tcp programs read, declared with only the fields they use. Every
 * access goes through BPF_CORE_READ, and preserve_access_index makes clang record each field by
 * name, so libbpf moves the offsets to the running kernel's layout (from /sys/kernel/btf/vmlinux)
 * at load time: the object needs no vmlinux.h of any particular kernel.
 */
#ifndef NODESCOPE_KERNEL_TYPES_H
#define NODESCOPE_KERNEL_TYPES_H

#include <linux/types.h>

struct in6_addr___nodescope {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

struct sock_common {
	union {
		struct {
			__be32 skc_daddr;
			__be32 skc_rcv_saddr;
		};
	};
	union {
		struct {
			__be16 skc_dport;
			__u16 skc_num;
		};
	};
	unsigned short skc_family;
	struct in6_addr___nodescope skc_v6_daddr;
	struct in6_addr___nodescope skc_v6_rcv_saddr;
	possible_net_t skc_net;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct net_device *dev;
	struct sock *sk;
	unsigned char *head;
	__u16 transport_header;
	__u16 network_header;
} __attribute__((preserve_access_index));

#endif
