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
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned char *head;
	__u16 transport_header;
	__u16 network_header;
} __attribute__((preserve_access_index));

#endif
