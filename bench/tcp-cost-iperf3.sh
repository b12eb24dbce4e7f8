#!/usr/bin/env bash
# What the tcp collector's eBPF programs cost the traffic they watch, side by side on the same machine:
# throughput (iperf3) and short connections per second (connect, one request, close) between two network
# namespaces joined by a veth pair, with and without the agent's sock_ops program attached to the host's cgroup v2
# root as deployed; then the agent's CPU per short connection, and its CPU per minute at 10,000 live connections
# (20,000 sockets, both ends on this node). Needs root, bpftool, iperf3, python3, taskset and a built agent
# (mvn -B -q package -DskipTests); each side of the live part holds 10,000 descriptors (ulimit -n must allow it).
#
# A shared machine moves single rounds by tens of percent, so the comparison is built to survive that: many short
# phases in the order off, on, on, off, off, on, ... (each pair of neighbouring phases is one paired sample, and
# the ABBA order cancels a linear drift), the client pinned to one CPU and the server to another, and the ratio
# with/without reported as the median of the paired ratios with a bootstrap 95% confidence interval. A bound
# holds at that confidence when the interval's lower end is at or above it (1 - 2% for throughput, 1 - 5% for
# short connections).
# One agent (tcp collector only) runs through each series of pairs, as in steady state: it first carries
# WARM_UP_SECONDS of the load with its program on, not measured, so that its JIT has compiled the code that reads
# and attributes the rows (a deployed agent pays that once). Its own sock_ops link is detached at start, and an
# "on" phase attaches the same program with a link that bench/sockops-link.py holds. Each switch is followed by an
# interval and a second of the load, unmeasured, so that the agent's work on the rows of an "on" phase never lands
# in an "off" phase; that work is measured apart, as the agent's CPU per short connection. The reset and drop programs stay attached in both phases: they run only when a
# reset is sent or received or a packet is dropped, which this load does not do. The map has the most rows the
# agent allows (65,536) and the agent reads every 2 s; the script prints the sockets that found the map full (a
# socket without a row is not watched and costs less) and the closed rows that found the ring of closed rows full
# (lost).
# Usage: PAIRS=16 SECONDS_PER_PHASE=2 WARM_UP_SECONDS=20 LIVE=1 SERIES=both bench/tcp-cost-iperf3.sh
#   (LIVE=0 skips the 10,000-socket part; SERIES=throughput or SERIES=connections runs one series of pairs only,
#   and the agent's CPU per short connection comes with the connections)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

pairs=${PAIRS:-16}
seconds=${SECONDS_PER_PHASE:-2}
live=${LIVE:-1}
warm_up_seconds=${WARM_UP_SECONDS:-20}
series=${SERIES:-both}
case $series in both | throughput | connections) ;; *) echo "SERIES is both, throughput or connections" >&2; exit 2 ;; esac
[[ $pairs =~ ^[0-9]+$ ]] && ((pairs >= 2)) || { echo "PAIRS is a whole number of at least 2" >&2; exit 2; }
interval=2
client=tcp-bench-c-$$
server=tcp-bench-s-$$
veth=tcpb$(($$ % 100000))
port=$(free_port)
agent_pid=""
link_holder=""
sockops_program=""
work_and_pids_cleaned_on_exit '[ -z "$link_holder" ] || kill "$link_holder" 2>/dev/null
  [ -z "$agent_pid" ] || { kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null; }'
results=$work/results
failures=$work/failures
: >"$failures"

# Loaded sock_ops programs of ours (another agent's would run in both phases), and those attached to the cgroup root.
count_sockops() { # stdin: bpftool's listing as JSON (an empty cgroup's is an empty line)
  python3 -c 'import json, sys; print(sum(p.get("name") == "nodescope_tcp_sockops" for p in json.loads(sys.stdin.read().strip() or "[]")))'
}
cgroup_root=/sys/fs/cgroup
[ "$(stat -fc %T "$cgroup_root")" = cgroup2fs ] || cgroup_root=/sys/fs/cgroup/unified
require_sockops() { # $1: how many loaded, $2: how many attached
  local loaded attached
  loaded=$(bpftool -j prog show | count_sockops)
  attached=$(bpftool -j cgroup show "$cgroup_root" | count_sockops)
  if [ "$loaded" != "$1" ] || [ "$attached" != "$2" ]; then
    echo "$loaded nodescope_tcp_sockops programs loaded and $attached attached where $1 and $2 should be:" \
      "another agent runs beside the benchmark" >&2
    exit 1
  fi
}
pods_with_tcp_servers "$client" "$server" "$veth"

start_agent() { # $1: the tcp collector's interval
  start_tcp_agent agent/target/nodescope-agent.jar "$port" "$1" "$work/agent.log"
}

# The agent's own sock_ops link goes: from now on programs_on and programs_off attach its program and detach it.
take_over_program() {
  sockops_program=$(bpftool -j prog show name nodescope_tcp_sockops | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  bpftool link detach id "$(bpftool -j link show |
    python3 -c "import json, sys; print(next(l['id'] for l in json.load(sys.stdin) if l.get('prog_id') == $sockops_program))")"
  require_sockops 1 0
}
programs_on() {
  [ -z "$link_holder" ] || return 0
  coproc LINK { exec python3 bench/sockops-link.py "$sockops_program" "$cgroup_root"; }
  link_holder=$LINK_PID
  read -r _ <&"${LINK[0]}"
}
programs_off() {
  [ -n "$link_holder" ] || return 0
  kill "$link_holder"
  wait "$link_holder" 2>/dev/null || true
  link_holder=""
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
  programs_off
  kill "$agent_pid"
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

# Each prints the wall rate, then the rate per CPU-second the two ends spent (user and system time of the client
# and the server: what the programs add lands there, and it moves less than the wall rate when other jobs take
# the CPUs).
throughput() {
  ip netns exec "$client" taskset -c 0 iperf3 -c 192.0.2.2 -t "$seconds" -J |
    python3 -c '
import json, sys
end = json.load(sys.stdin)["end"]
gbps = end["sum_received"]["bits_per_second"] / 1e9
cpu = end["cpu_utilization_percent"]
print(gbps, gbps / ((cpu["host_total"] + cpu["remote_total"]) / 100))'
}

connections_per_second() {
  local made cpu
  read -r made cpu < <(short_connections "$client" "$seconds" "$server_pid")
  python3 -c "print($made / $seconds, $made / $cpu)"
}

# Phases off, on, on, off, off, on, ..., all with one warm agent. The transfers and the short connections are
# compared in two separate series of pairs, each with its own agent.
abba() { # $1: throughput|connections_per_second
  local pair
  start_agent "${interval}s"
  take_over_program
  programs_on
  unmeasured "$warm_up_seconds" "$1"
  for pair in $(seq "$pairs"); do
    if ((pair % 2)); then
      phase off "$1"
      phase on "$1"
    else
      phase on "$1"
      phase off "$1"
    fi
  done
}
unmeasured() { # $1: seconds of $2, the load
  local seconds=$1
  "$2" >/dev/null
}
# A phase that turns the program on or off first carries the load for an interval and a second more, unmeasured, so
# that every phase starts under load in its own setting and the agent has read the rows of an "on" phase before an
# "off" phase is measured.
phase() { # $1: off|on, $2: what to measure
  local attached now
  attached=$([ "$1" = on ] && echo 1 || echo 0)
  now=$([ -n "$link_holder" ] && echo 1 || echo 0)
  if [ "$now" != "$attached" ]; then
    if [ "$1" = on ]; then programs_on; else programs_off; fi
    unmeasured "$((interval + 1))" "$2"
  fi
  require_sockops 1 "$attached"
  echo "$1 $($2)" | tee -a "$results.$2"
}
if [ "$series" != connections ]; then
  abba throughput
  stop_agent
fi
if [ "$series" != throughput ]; then
  abba connections_per_second
  # The agent's own work per connection (reading the rows, attributing what they counted), which the rates per
  # CPU-second leave out: short connections for 30 s with the same agent, warm, its CPU over those 30 s and until
  # it has read the last of their rows, against the client's and the server's CPU over the 30 s.
  programs_on
  ticks=$(getconf CLK_TCK)
  before=$(cpu_ticks "$agent_pid")
  read -r made ends_cpu < <(short_connections "$client" 30 "$server_pid")
  programs_off
  sleep "$((interval + 1))"
  agent_cpu=$(python3 -c "print(($(cpu_ticks "$agent_pid") - $before) / $ticks)")
  stop_agent
fi
echo "during the phases with the agent: $(awk '{n += $1} END {print n + 0}' "$failures") sockets found tcp_rows full," \
  "$(awk '{n += $2} END {print n + 0}' "$failures") closed rows found tcp_closed full"

python3 - "$results.throughput" "$results.connections_per_second" <<'PY'
import os, random, statistics, sys
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
    if not os.path.exists(path):  # a series not run (SERIES)
        continue
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

[ "$series" = throughput ] || python3 -c "
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
pids+=($!)
sleep 0.5
start_agent 10s
ip netns exec "$client" python3 -c '
import socket, time
held = [socket.create_connection(("192.0.2.2", 7002)) for _ in range(10000)]
time.sleep(600)
' &
pids+=($!)
sleep 15
ticks=$(getconf CLK_TCK)
before=$(cpu_ticks "$agent_pid")
sleep 60
after=$(cpu_ticks "$agent_pid")
metrics=$(curl -sf "127.0.0.1:$port/metrics")
echo "agent CPU over 60 s at 10,000 live connections: $(python3 -c "print(round(($after - $before) / $ticks, 2))") s"
echo "$metrics" | grep -E '^nodescope_tcp_map_(entries|insert_failures_total)\{map="tcp_rows"\}|^nodescope_collector_duration_seconds\{collector="tcp"\}'
echo "agent RSS: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$agent_pid/status")"
