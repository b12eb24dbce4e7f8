# Functions the bench scripts share: `source bench/lib.sh` from the repository root.

# A loopback TCP port that is free right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time of process $1 so far (utime + stime), in clock ticks; comm has no spaces for these two fields.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# A scratch directory ($work) and a list of background processes ($pids, append each one started): on exit the
# processes are stopped, then the command $1 runs if given (what else the script made), and the directory is
# removed, also when the script fails.
work_and_pids_cleaned_on_exit() {
  work=$(mktemp -d)
  pids=()
  cleanup_also=${1:-true}
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        eval "$cleanup_also" || true; rm -rf "$work"' EXIT
}

# The agent with only the tcp collector (jar $1) on 127.0.0.1:$2, reading its maps every $3 with the most rows it
# allows (65,536), its log in $4. Returns once its programs are loaded, with its process id in $agent_pid; fails
# with its log, the agent stopped, if they are not.
start_tcp_agent() {
  java @agent/jvm.options -jar "$1" --no-collector.node --no-collector.pods --no-collector.kubernetes \
    --no-collector.flows --no-collector.ena --no-collector.nvidia --no-collector.neuron \
    --collector.tcp.max-sockets=65536 --collector.tcp.interval="$3" --collector.tcp.timeout="$3" \
    --web.listen-address="127.0.0.1:$2" >"$4" 2>&1 &
  agent_pid=$!
  for _ in $(seq 100); do
    curl -sf "127.0.0.1:$2/metrics" | grep -q 'nodescope_tcp_part_available{part="health"} 1' && return
    sleep 0.2
  done
  kill "$agent_pid" 2>/dev/null || true
  echo "agent did not load the tcp programs" >&2
  cat "$4" >&2
  return 1
}

# Network namespaces $1 (192.0.2.1) and $2 (192.0.2.2) joined by a veth pair named $3c/$3s, for TCP between two
# "pods"; $1 reuses its ports quickly (short connections would stall on TIME-WAIT, not on what is measured). The
# caller deletes the namespaces (pods_with_tcp_servers arranges it).
namespaces_joined_by_veth() {
  ip netns add "$1"
  ip netns add "$2"
  ip -n "$1" link add name "${3}c" type veth peer name "${3}s"
  ip -n "$1" link set "${3}s" netns "$2"
  ip -n "$1" addr add 192.0.2.1/24 dev "${3}c"
  ip -n "$2" addr add 192.0.2.2/24 dev "${3}s"
  for ns in "$1" "$2"; do ip -n "$ns" link set lo up; done
  ip -n "$1" link set "${3}c" up
  ip -n "$2" link set "${3}s" up
  ip netns exec "$1" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"
}

# The tcp benchmarks' two pods: namespaces $1 and $2 joined by veth $3 (namespaces_joined_by_veth), and in $2, on
# CPU 1, an iperf3 server and short_connection_server (its process id in $server_pid). The servers join $pids and
# the namespaces go on exit (work_and_pids_cleaned_on_exit, called first). Fails if an agent's tcp programs are
# loaded already: they would be measured too.
pods_with_tcp_servers() {
  if [ -n "$(bpftool prog show name nodescope_tcp_sockops 2>/dev/null)" ]; then
    echo "another nodescope agent has its tcp programs loaded: they would be measured too" >&2
    return 1
  fi
  cleanup_also+="; ip netns del $1 2>/dev/null; ip netns del $2 2>/dev/null"
  namespaces_joined_by_veth "$1" "$2" "$3"
  ip netns exec "$2" taskset -c 1 iperf3 -s -B 192.0.2.2 >/dev/null 2>&1 &
  pids+=($!)
  ip netns exec "$2" taskset -c 1 bash -c "source bench/lib.sh; short_connection_server" &
  server_pid=$!
  pids+=($server_pid)
  sleep 1
}

# The short connections' server on 192.0.2.2:7001 (accept, read the request, answer, close), in place of the
# calling shell, so that its process id is the server's: bash -c "source bench/lib.sh; short_connection_server" &
short_connection_server() {
  exec python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 7001)); s.listen(4096)
while True:
    c, _ = s.accept(); c.recv(64); c.sendall(b"ok"); c.close()
'
}

# Short connections (connect, send a request, read the answer, close) from network namespace $1 to
# short_connection_server for $2 seconds, pinned to CPU 0; prints how many were made and the CPU seconds that the
# client and the server (process $3) spent meanwhile.
short_connections() {
  ip netns exec "$1" taskset -c 0 python3 -c "
import os, socket, time
def server_cpu():
    fields = open('/proc/$3/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
cpu0, server0 = time.process_time(), server_cpu()
end, n = time.monotonic() + $2, 0
while time.monotonic() < end:
    c = socket.create_connection(('192.0.2.2', 7001)); c.sendall(b'get'); c.recv(64); c.close(); n += 1
print(n, time.process_time() - cpu0 + server_cpu() - server0)
"
}
