#!/usr/bin/env bash
# The kernel's own account of the tcp collector's eBPF programs (kernel.bpf_stats_enabled: runs and nanoseconds per
# program) per short connection and per GB of bulk transfer, for each of several agent jars side by side: the
# programs' share of what bench/tcp-cost-iperf3.sh measures as a whole, and the way to compare two builds of
# them. Each round runs every jar in turn (the agent with only the tcp collector, reading its maps every 2 s), with
# a 5 s iperf3 transfer and 6 s of short connections between two network namespaces, client on CPU 0 and server on
# CPU 1; it also prints the agent's CPU ticks over the short connections (its reading of their rows).
# The statistics cost each run two clock reads, so the times are a little above the programs' cost without them.
# Needs root, bpftool, iperf3, python3 and taskset.
# Usage: JARS="/tmp/a.jar /tmp/b.jar" ROUNDS=2 bench/tcp-program-time.sh   (default: the built agent jar, 1 round)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

jars=${JARS:-agent/target/nodescope-agent.jar}
rounds=${ROUNDS:-1}
client=tcp-time-c-$$
server=tcp-time-s-$$
veth=tcpt$(($$ % 100000))
port=$(free_port)
stats_were=$(sysctl -n kernel.bpf_stats_enabled)
work_and_pids_cleaned_on_exit 'sysctl -qw kernel.bpf_stats_enabled="$stats_were"'

pods_with_tcp_servers "$client" "$server" "$veth"
sysctl -qw kernel.bpf_stats_enabled=1

# name run_time_ns run_cnt, one line per nodescope program
program_stats() {
  bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("nodescope"):
        print(p["name"], p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}

for round in $(seq "$rounds"); do
  for jar in $jars; do
    start_tcp_agent "$jar" "$port" 2s "$work/agent.log"
    agent=$agent_pid
    pids+=($agent)
    # Past the JVM's start-up and its compiling of the row reading, which a deployed agent pays once.
    short_connections "$client" 10 "$server_pid" >/dev/null
    sleep 2.5 # the agent's read of the warm-up's rows
    program_stats >"$work/before"
    bytes=$(ip netns exec "$client" taskset -c 0 iperf3 -c 192.0.2.2 -t 5 -J |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["end"]["sum_received"]["bytes"])')
    program_stats >"$work/transfer"
    ticks=$(cpu_ticks "$agent")
    read -r connections _ < <(short_connections "$client" 6 "$server_pid")
    program_stats >"$work/short"
    sleep 2.5 # the agent's next read of the last rows
    ticks=$(($(cpu_ticks "$agent") - ticks))
    kill "$agent"
    wait "$agent" 2>/dev/null || true
    python3 - "$work" "$jar" "$round" "$bytes" "$connections" "$ticks" <<'PY'
import sys
work, jar, round_, gb, connections, ticks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) / 1e9, int(sys.argv[5]), int(sys.argv[6])
def load(name):
    return {f[0]: (int(f[1]), int(f[2])) for f in (line.split() for line in open(f"{work}/{name}"))}
before, transfer, short = load("before"), load("transfer"), load("short")
print(f"round {round_} {jar}: {gb:.1f} GB transferred, {connections} short connections, "
      f"agent {ticks} ticks over the short connections")
for name in sorted(before):
    ns, runs = transfer[name][0] - before[name][0], transfer[name][1] - before[name][1]
    print(f"  {name}: per GB {runs / gb:.0f} runs {ns / gb / 1e3:.0f} µs; ", end="")
    ns, runs = short[name][0] - transfer[name][0], short[name][1] - transfer[name][1]
    print(f"per short connection {runs / connections:.2f} runs {ns / connections / 1e3:.2f} µs")
PY
  done
done
