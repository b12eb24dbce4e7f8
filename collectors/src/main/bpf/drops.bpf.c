// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// Kernel drop reasons, counted in the kernel and read by the agent at its interval.
//
// Hook: the skb:kfree_skb tracepoint as a BTF-typed program (tp_btf: no tracefs needed), which
// passes the kernel's drop reason from 5.17 on. Normal frees are skipped by name: their values
// come from the running kernel's BTF through CO-RE enum relocations, since the numbering of enum
// skb_drop_reason changes between kernels. Normal are SKB_NOT_DROPPED_YET, SKB_CONSUMED, and
// SKB_DROP_REASON_QUEUE_PURGE (6.6+): what a socket still held when it was closed, most often its
// peer's FIN, once for nearly every connection; data that a closing application never read makes
// TCP send a reset, which the tcp programs count.
//
// Counts go to two per-CPU maps, so no CPU waits for another:
//   drops_by_reason  reason -> count, for the node (never evicted: a few hundred reasons at most)
//   drops_by_netns   (reason, network namespace inode) -> count; the agent maps each pod's network
//                    namespace to the pod and deletes the entries of namespaces that are no pod's.
//                    LRU, so that a burst of such namespaces between two reads cannot fill it.
// A drop that finds drops_by_reason full counts in drops_uncounted.
//
// The namespace is that of the device the packet was on when it was dropped, or, for a packet
// not yet given a device (locally sent, dropped in OUTPUT), that of its socket.
//
// Built by scripts/build-bpf.sh; the object is committed among the agent's resources.

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel_types.h"

// The normal frees, matched by name: CO-RE replaces each with its value in the running kernel.
enum skb_drop_reason {
	SKB_NOT_DROPPED_YET,
	SKB_CONSUMED,
	SKB_DROP_REASON_QUEUE_PURGE,
};

#define IS_REASON(reason, name)                                                                    \
	(bpf_core_enum_value_exists(enum skb_drop_reason, name) &&                                 \
	 (reason) == bpf_core_enum_value(enum skb_drop_reason, name))

struct drop_key {
	__u32 reason;
	__u32 netns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} drops_by_reason SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct drop_key);
	__type(value, __u64);
} drops_by_netns SEC(".maps");

// Rare (a full map): one shared counter with atomic adds, no per-CPU slots to sum.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops_uncounted SEC(".maps");

// Adds one to this CPU's count under the key; returns 0, or -1 when the map is full. A program
// that interrupts this one on the same CPU (a softirq freeing a packet) may insert the key first:
// the atomic add keeps both increments.
static __always_inline int count(void *map, const void *key)
{
	__u64 one = 1;
	__u64 *value = bpf_map_lookup_elem(map, key);

	if (!value) {
		if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
			return 0;
		value = bpf_map_lookup_elem(map, key);
		if (!value)
			return -1;
	}
	__sync_fetch_and_add(value, 1);
	return 0;
}

static __always_inline __u32 netns_of(struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	struct sock *sk;

	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(nodescope_drops, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct drop_key key = {};
	__u32 zero = 0;
	__u64 *uncounted;

	if (IS_REASON(reason, SKB_NOT_DROPPED_YET) || IS_REASON(reason, SKB_CONSUMED) ||
	    IS_REASON(reason, SKB_DROP_REASON_QUEUE_PURGE))
		return 0;
	key.reason = reason;
	key.netns = netns_of(skb);
	if (count(&drops_by_reason, &key.reason) < 0) {
		uncounted = bpf_map_lookup_elem(&drops_uncounted, &zero);
		if (uncounted)
			__sync_fetch_and_add(uncounted, 1);
	}
	count(&drops_by_netns, &key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
