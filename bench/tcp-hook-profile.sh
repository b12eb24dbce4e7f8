#!/usr/bin/env bash
# Where the time that the tcp collector's sock_ops program adds to TCP goes, from the kernel's call stacks: perf
# record -a -g on every CPU while a warm agent (tcp collector only, its program attached as deployed) watches first
# an iperf3 transfer, then short connections (connect, one request, close), between two network namespaces, client
# on CPU 0 and server on CPU 1. For each load and CPU it prints the share of the CPU's busy samples (idle left out)
# that fall inside the cgroup dispatch of sock_ops programs (__cgroup_bpf_run_filter_sock_ops, with all it calls),
# and how that splits: the dispatch itself, the program's own instructions, the socket cookie, its row lookups, and
# the rows it makes and hands over (insert, copy into the ring of closed rows, delete). It is the decomposition of
# what bench/tcp-cost-iperf3.sh measures whole, and unlike that comparison it does not move with other jobs' load:
# the share is counted within the same samples. Sampling at 999 Hz for 10 s gives about 10,000 samples a CPU, so a
# share of 1% of them is known to about ±0.1% (one standard error).
# Needs root, perf, iperf3, python3, taskset and a built agent (mvn -B -q package -DskipTests).
# Usage: SECONDS_PER_LOAD=10 WARM_UP_SECONDS=20 bench/tcp-hook-profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

seconds=${SECONDS_PER_LOAD:-10}
warm_up_seconds=${WARM_UP_SECONDS:-20}
client=tcp-prof-c-$$
server=tcp-prof-s-$$
veth=tcpp$(($$ % 100000))
port=$(free_port)
work_and_pids_cleaned_on_exit

pods_with_tcp_servers "$client" "$server" "$veth"
start_tcp_agent agent/target/nodescope-agent.jar "$port" 2s "$work/agent.log"
pids+=($agent_pid)

transfer() { # $1: seconds
  ip netns exec "$client" taskset -c 0 iperf3 -c 192.0.2.2 -t "$1" -J |
    python3 -c 'import json, sys; print("%.1f Gbit/s" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
connections() { # $1: seconds
  local made
  read -r made _ < <(short_connections "$client" "$1" "$server_pid")
  echo "$((made / $1)) short connections/s"
}

# $1: the load. It runs a second longer than perf records, so that every sample falls within it.
profile() {
  "$1" "$warm_up_seconds" >/dev/null
  "$1" "$((seconds + 1))" >"$work/rate" &
  local load=$!
  sleep 0.5
  perf record -q -a -g -F 999 -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
  wait "$load"
  echo "$1, $(cat "$work/rate"):"
  perf script -i "$work/perf.data" -F cpu,ip,sym 2>/dev/null | python3 -c '
import collections, sys
HOOK = "__cgroup_bpf_run_filter_sock_ops"
PARTS = (("rows made and handed over", ("htab_map_update", "htab_map_delete", "alloc_htab_elem", "free_htab_elem",
                                        "ringbuf", "pcpu_freelist", "htab_lock_bucket")),
         ("row lookups", ("htab_map_lookup", "lookup_nulls_elem_raw", "htab_map_hash", "memcmp")),
         ("socket cookie", ("cookie",)),
         ("program", ("bpf_prog_",)))
busy, hook = collections.Counter(), collections.Counter()
parts = collections.defaultdict(collections.Counter)
def sample(cpu, stack):
    if cpu is None or "do_idle" in stack:
        return
    busy[cpu] += 1
    if HOOK not in stack:
        return
    hook[cpu] += 1
    inside = stack[:stack.index(HOOK)]  # leaf first
    part = next((name for name, marks in PARTS if any(m in f for f in inside for m in marks)), "dispatch")
    parts[cpu][part] += 1
cpu, stack = None, []
for line in sys.stdin:
    if line.startswith("["):
        sample(cpu, stack)
        cpu, stack = int(line[1:line.index("]")]), []
    elif line.strip():
        stack.append(line.split(None, 1)[-1].strip())
sample(cpu, stack)
for cpu in sorted(busy):
    split = ", ".join(f"{name} {100 * parts[cpu][name] / busy[cpu]:.2f}%"
                      for name in ("dispatch", "program", "socket cookie", "row lookups", "rows made and handed over"))
    print(f"  CPU {cpu}: {busy[cpu]} busy samples, {100 * hook[cpu] / busy[cpu]:.2f}% in sock_ops ({split})")
'
}

profile transfer
profile connections
