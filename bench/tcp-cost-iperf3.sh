#!/usr/bin/env bash
# What the tcp collector's eBPF programs cost the traffic they watch, side by side on the same machine:
# throughput (iperf3) and short connections per second (connect, one request, close) between two network
# namespaces joined by a veth pair, alternating rounds without and with the agent running (tcp collector only,
# programs on the host's cgroup v2 root as deployed); then the agent's CPU per minute at 10,000 live connections
# (20,000 sockets, both ends on this node). Needs root, iperf3, python3 and a built agent
# (mvn -B -q package -DskipTests).
# (each side holds 10,000 descriptors: ulimit -n must allow it).
# Usage: ROUNDS=5 SECONDS_PER_ROUND=3 bench/tcp-cost-iperf3.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
seconds=${SECONDS_PER_ROUND:-3}
client=tcp-bench-c-$$
server=tcp-bench-s-$$
veth=tcpb$(($$ % 100000))
port=19$(($$ % 90 + 10))1
agent_pid=""
holders=()

cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns del "$client" 2>/dev/null || true
  ip netns del "$server" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$client"
ip netns add "$server"
ip -n "$client" link add name "${veth}c" type veth peer name "${veth}s"
ip -n "$client" link set "${veth}s" netns "$server"
ip -n "$client" addr add 192.0.2.1/24 dev "${veth}c"
ip -n "$server" addr add 192.0.2.2/24 dev "${veth}s"
for ns in "$client" "$server"; do ip -n "$ns" link set lo up; done
ip -n "$client" link set "${veth}c" up
ip -n "$server" link set "${veth}s" up
# Short connections reuse the client's ports quickly; without this they stall on TIME-WAIT, not on the programs.
ip netns exec "$client" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"

start_agent() {
  java @agent/jvm.options -jar agent/target/nodescope-agent.jar --no-collector.node --no-collector.pods \
    --no-collector.kubernetes --no-collector.flows --no-collector.ena --no-collector.nvidia --no-collector.neuron \
    --collector.tcp.max-sockets=65536 --web.listen-address="127.0.0.1:$port" >/tmp/tcp-bench-agent-$$.log 2>&1 &
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
  kill "$agent_pid"
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

ip netns exec "$server" iperf3 -s -B 192.0.2.2 >/dev/null 2>&1 &
holders+=($!)
ip netns exec "$server" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 7001)); s.listen(4096)
while True:
    c, _ = s.accept(); c.recv(64); c.sendall(b"ok"); c.close()
' &
holders+=($!)
sleep 1

throughput() {
  ip netns exec "$client" iperf3 -c 192.0.2.2 -t "$seconds" -J |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)'
}

connections_per_second() {
  ip netns exec "$client" python3 -c "
import socket, time
end = time.monotonic() + $seconds
n = 0
while time.monotonic() < end:
    c = socket.create_connection(('192.0.2.2', 7001)); c.sendall(b'get'); c.recv(64); c.close(); n += 1
print(n / $seconds)
"
}

declare -a gbps_off gbps_on cps_off cps_on
for round in $(seq "$rounds"); do
  gbps_off+=("$(throughput)")
  cps_off+=("$(connections_per_second)")
  start_agent
  gbps_on+=("$(throughput)")
  cps_on+=("$(connections_per_second)")
  stop_agent
  echo "round $round: off ${gbps_off[-1]} Gbit/s ${cps_off[-1]} conn/s; on ${gbps_on[-1]} Gbit/s ${cps_on[-1]} conn/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
t_off=$(median "${gbps_off[@]}"); t_on=$(median "${gbps_on[@]}")
c_off=$(median "${cps_off[@]}"); c_on=$(median "${cps_on[@]}")
echo "throughput median: off $t_off Gbit/s, on $t_on Gbit/s, loss $(python3 -c "print(round((1 - $t_on / $t_off) * 100, 2))")%"
echo "short connections median: off $c_off/s, on $c_on/s, loss $(python3 -c "print(round((1 - $c_on / $c_off) * 100, 2))")%"

# 10,000 live connections held open while the agent reads its maps every 10 s for a minute.
ip netns exec "$server" python3 -c '
import socket, time
s = socket.socket(); s.bind(("192.0.2.2", 7002)); s.listen(4096)
held = [s.accept()[0] for _ in range(10000)]
time.sleep(600)
' &
holders+=($!)
sleep 0.5
start_agent
ip netns exec "$client" python3 -c '
import socket, time
held = [socket.create_connection(("192.0.2.2", 7002)) for _ in range(10000)]
time.sleep(600)
' &
holders+=($!)
sleep 15
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
before=$(cpu)
sleep 60
after=$(cpu)
metrics=$(curl -sf "127.0.0.1:$port/metrics")
echo "agent CPU over 60 s at 10,000 live connections: $(python3 -c "print(round(($after - $before) / $ticks, 2))") s"
echo "$metrics" | grep -E '^nodescope_tcp_map_(entries|insert_failures_total)\{map="tcp_rows"\}|^nodescope_collector_duration_seconds\{collector="tcp"\}'
echo "agent RSS: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$agent_pid/status")"
