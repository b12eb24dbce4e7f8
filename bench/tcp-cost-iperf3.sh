#!/usr/bin/env bash
# What the tcp collector's eBPF programs cost the traffic they watch, side by side on the same machine:
# throughput (iperf3) and short connections per second (connect, one request, close) between two network
# namespaces joined by a veth pair, without and with the agent running (tcp collector only, programs on the host's
# cgroup v2 root as deployed); then the agent's CPU per minute at 10,000 live connections (20,000 sockets, both
# ends on this node). Needs root, iperf3, python3, taskset and a built agent (mvn -B -q package -DskipTests).
# (each side holds 10,000 descriptors: ulimit -n must allow it).
#
# A shared machine moves single rounds by tens of percent, so the comparison is built to survive that: many short
# phases in the order off, on, on, off, off, on, ... (each pair of neighbouring phases is one paired sample, and
# the ABBA order cancels a linear drift), the client pinned to one CPU and the server to another, and the ratio
# with/without reported as the median of the paired ratios with a bootstrap 95% confidence interval. A bound
# holds at that confidence when the interval's lower end is at or above it (1 - 2% for throughput, 1 - 5% for
# short connections).
# The agent runs as in steady state: each new agent first carries WARM_UP_SECONDS of the load the next phase
# measures, not measured, so that its JIT has compiled the code that reads and attributes the rows (a deployed
# agent pays that once, in its first minute; measured in an "on" phase it cost short connections several percent
# more). Its map has the most rows the agent allows
# (65,536), and for the short connections it reads every 2 s, so that the map holds every socket of an interval at
# these rates and each socket pays its full cost (the work per row is the same at any interval); the script prints
# the sockets that found the map full (a socket without a row is not watched and costs less) and the closed rows
# that found the ring of closed rows full (lost).
# Usage: PAIRS=16 SECONDS_PER_PHASE=2 WARM_UP_SECONDS=10 LIVE=1 bench/tcp-cost-iperf3.sh
#   (LIVE=0 skips the 10,000-socket part)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

pairs=${PAIRS:-16}
seconds=${SECONDS_PER_PHASE:-2}
live=${LIVE:-1}
warm_up_seconds=${WARM_UP_SECONDS:-10}
client=tcp-bench-c-$$
server=tcp-bench-s-$$
veth=tcpb$(($$ % 100000))
port=19$(($$ % 90 + 10))1
agent_pid=""
holders=()
results=$(mktemp)
failures=$(mktemp)
client_cpu="taskset -c 0"
server_cpu="taskset -c $(($(nproc) > 1 ? 1 : 0))"

cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns del "$client" 2>/dev/null || true
  ip netns del "$server" 2>/dev/null || true
  rm -f "$results" "$results".* "$failures" "/tmp/tcp-bench-agent-$$.log"
}
trap cleanup EXIT

# The sock_ops programs loaded now must be ours alone (none in an "off" phase, one in an "on" phase): another
# agent's would run in both phases.
require_sockops_programs() { # $1: how many
  local loaded
  loaded=$(bpftool -j prog show | python3 -c 'import json, sys; print(sum(p.get("name") == "nodescope_tcp_sockops" for p in json.load(sys.stdin)))')
  if [ "$loaded" != "$1" ]; then
    echo "$loaded nodescope_tcp_sockops programs loaded where $1 should be: another agent runs beside the benchmark" >&2
    exit 1
  fi
}
require_sockops_programs 0
namespaces_joined_by_veth "$client" "$server" "$veth"

start_agent() { # $1: the tcp collector's interval
  java @agent/jvm.options -jar agent/target/nodescope-agent.jar --no-collector.node --no-collector.pods \
    --no-collector.kubernetes --no-collector.flows --no-collector.ena --no-collector.nvidia --no-collector.neuron \
    --collector.tcp.max-sockets=65536 --collector.tcp.interval="$1" --collector.tcp.timeout="$1" --web.listen-address="127.0.0.1:$port" \
    >/tmp/tcp-bench-agent-$$.log 2>&1 &
  agent_pid=$!
  for _ in $(seq 100); do
    curl -sf "127.0.0.1:$port/metrics" | grep -q 'nodescope_tcp_part_available{part="health"} 1' && return
    sleep 0.2
  done
  echo "agent did not load the tcp programs" >&2
  cat /tmp/tcp-bench-agent-$$.log >&2
  exit 1
}

stop_agent() {
  # Slots 0 and 3 of the program's error counters (tcp_health.h TCP_ERR_ROW_INSERT, TCP_ERR_CLOSED_LOST), read
  # from the kernel in the agent's own map (found among the maps its descriptors hold): the agent's metric is as
  # old as its last run.
  local map slot
  for map in $(cat /proc/"$agent_pid"/fdinfo/* 2>/dev/null | awk '/^map_id:/ {print $2}'); do
    bpftool -j map show id "$map" | grep -q '"name":"tcp_errors"' && break
  done
  for slot in 0 3; do
    bpftool -j map lookup id "$map" key "$slot" 0 0 0 |
      python3 -c 'import json, sys; print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"]), "little"), end=" ")'
  done >>"$failures"
  echo >>"$failures"
  kill "$agent_pid"
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

ip netns exec "$server" $server_cpu iperf3 -s -B 192.0.2.2 >/dev/null 2>&1 &
holders+=($!)
ip netns exec "$server" $server_cpu bash -c "source bench/lib.sh; short_connection_server" &
cps_server=$!
holders+=($cps_server)
sleep 1

# Each prints the wall rate, then the rate per CPU-second the two ends spent (user and system time of the client
# and the server: what the programs add lands there, and it moves less than the wall rate when other jobs take
# the CPUs).
throughput() {
  ip netns exec "$client" $client_cpu iperf3 -c 192.0.2.2 -t "$seconds" -J |
    python3 -c '
import json, sys
end = json.load(sys.stdin)["end"]
gbps = end["sum_received"]["bits_per_second"] / 1e9
cpu = end["cpu_utilization_percent"]
print(gbps, gbps / ((cpu["host_total"] + cpu["remote_total"]) / 100))'
}

connections_per_second() {
  local made cpu
  read -r made cpu < <(short_connections "$client" "$seconds" "$cps_server")
  python3 -c "print($made / $seconds, $made / $cpu)"
}

# Phases off, on, on, off, off, on, ...: the agent starts once for each two neighbouring "on" phases. The
# transfers and the short connections are compared in two separate runs of pairs, so that the agent's reading of
# the rows the short connections left never lands in a transfer's phase.
abba() { # $1: throughput|connections_per_second, $2: the agent's interval
  local pair
  for pair in $(seq "$pairs"); do
    if ((pair % 2)); then
      phase off "$1"
      start_agent "$2"
      warm_up "$1"
      phase on "$1"
    else
      phase on "$1"
      stop_agent
      phase off "$1"
    fi
  done
}
warm_up() { # $1: what the next phase measures
  local seconds=$warm_up_seconds
  "$1" >/dev/null
}
phase() { # $1: off|on, $2: what to measure
  require_sockops_programs "$([ "$1" = on ] && echo 1 || echo 0)"
  echo "$1 $($2)" | tee -a "$results.$2"
}
abba throughput 10s
abba connections_per_second 2s
echo "during the phases with the agent: $(awk '{n += $1} END {print n + 0}' "$failures") sockets found tcp_rows full," \
  "$(awk '{n += $2} END {print n + 0}' "$failures") closed rows found tcp_closed full"

python3 - "$results.throughput" "$results.connections_per_second" <<'PY'
import random, statistics, sys
# Columns of each file: off|on, the wall rate, the rate per CPU-second.
# Neighbouring phases in the ABBA order form the pairs: (0,1), (2,3), ...
def paired(path):
    rows = [line.split() for line in open(path)]
    return [(rows[i], rows[i + 1]) for i in range(0, len(rows) - 1, 2)]
random.seed(1)
for path, column, what, bound in ((sys.argv[1], 1, "iperf3 throughput (Gbit/s)", 0.02),
                                  (sys.argv[1], 2, "iperf3 Gbit per CPU-second of client and server", 0.02),
                                  (sys.argv[2], 1, "short connections/s", 0.05),
                                  (sys.argv[2], 2, "short connections per CPU-second of client and server", 0.05)):
    pairs = paired(path)
    off = [float(next(r for r in p if r[0] == "off")[column]) for p in pairs]
    on = [float(next(r for r in p if r[0] == "on")[column]) for p in pairs]
    ratios = [b / a for a, b in zip(off, on)]
    boots = sorted(statistics.median(random.choices(ratios, k=len(ratios))) for _ in range(5000))
    low, high = boots[int(0.025 * len(boots))], boots[int(0.975 * len(boots)) - 1]
    q = statistics.quantiles(ratios, n=4)
    ratio = statistics.median(ratios)
    verdict = ("holds" if low >= 1 - bound else
               "is exceeded" if high < 1 - bound else "is not resolved")
    print(f"{what}: median off {statistics.median(off):.4g}, on {statistics.median(on):.4g}; "
          f"paired ratio on/off median {ratio:.4f} (IQR {q[0]:.4f}..{q[2]:.4f}, "
          f"bootstrap 95% CI {low:.4f}..{high:.4f}), loss {100 * (1 - ratio):.2f}% "
          f"(95% CI {100 * (1 - high):.2f}%..{100 * (1 - low):.2f}%); "
          f"the {100 * bound:.0f}% bound {verdict} at 95% confidence ({len(pairs)} pairs)")
PY

# The agent's own work per connection (reading and deleting the rows, attributing what they counted), which the
# rates per CPU-second above leave out: short connections for 30 s with the agent reading every 2 s, its CPU over
# those 30 s and the 10 s after (so that it has read every row they made), against the client's and the server's
# CPU over the 30 s.
start_agent 2s
warm_up connections_per_second
ticks=$(getconf CLK_TCK)
before=$(cpu_ticks "$agent_pid")
read -r made ends_cpu < <(short_connections "$client" 30 "$cps_server")
sleep 10
agent_cpu=$(python3 -c "print(($(cpu_ticks "$agent_pid") - $before) / $ticks)")
stop_agent
python3 -c "
n, ends, agent = $made, $ends_cpu, $agent_cpu
print(f'agent CPU per short connection: {agent / n * 1e6:.1f} µs ({agent:.2f} s for {n} connections in 30 s), '
      f'client and server: {ends / n * 1e6:.1f} µs; the agent adds {100 * agent / ends:.1f}% to their CPU')"

[ "$live" = 1 ] || exit 0
# 10,000 live connections held open while the agent reads its maps every 10 s for a minute.
ip netns exec "$server" python3 -c '
import socket, time
s = socket.socket(); s.bind(("192.0.2.2", 7002)); s.listen(4096)
held = [s.accept()[0] for _ in range(10000)]
time.sleep(600)
' &
holders+=($!)
sleep 0.5
start_agent 10s
ip netns exec "$client" python3 -c '
import socket, time
held = [socket.create_connection(("192.0.2.2", 7002)) for _ in range(10000)]
time.sleep(600)
' &
holders+=($!)
sleep 15
ticks=$(getconf CLK_TCK)
before=$(cpu_ticks "$agent_pid")
sleep 60
after=$(cpu_ticks "$agent_pid")
metrics=$(curl -sf "127.0.0.1:$port/metrics")
echo "agent CPU over 60 s at 10,000 live connections: $(python3 -c "print(round(($after - $before) / $ticks, 2))") s"
echo "$metrics" | grep -E '^nodescope_tcp_map_(entries|insert_failures_total)\{map="tcp_rows"\}|^nodescope_collector_duration_seconds\{collector="tcp"\}'
echo "agent RSS: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$agent_pid/status")"
