#!/usr/bin/env bash
# The flows collector's work per interval (ctnetlink dump + attribution + aggregation + export) against
# `conntrack -L -o extended > /dev/null` on the same table of ENTRIES UDP connections, in the same run, with the
# agent's JVM options; also allocation per entry and CPU per minute at the default 10 s interval. Every entry's
# ends are pods known from a (fake) API server, with a Service and its EndpointSlices; one table per shape in
# SHAPES: few (many connections to one port), distinct (every entry its own server port: all-distinct keys, far
# past the series cap), mix (half each).
# Then the agent itself (the fat jar, defaults, in the namespace: node mode, so flows are dumped but no pod is
# known) over CPU_WINDOW seconds on the same table: its process CPU per minute.
# The table lives in a network namespace made here and deleted on exit (TEST-NET addresses, loopback only).
#
# Usage (root): mvn -B -q -Pbench package -DskipTests && bench/conntrack-dump-vs-conntrack-tool.sh
#   env: SHAPES ("few distinct mix"), ENTRIES (150000), ROUNDS (15 timed, after 5 warm-up), CPU_WINDOW seconds (60),
#        JAVA_OPTS (extra JVM
#        options after agent/jvm.options, e.g. -XX:StartFlightRecording=filename=flows.jfr to profile)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

SHAPES=${SHAPES:-few distinct mix}
ENTRIES=${ENTRIES:-150000}
ROUNDS=${ROUNDS:-15}
CPU_WINDOW=${CPU_WINDOW:-60}
JAR=bench/target/benchmarks.jar
AGENT_JAR=agent/target/nodescope-agent.jar
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, conntrack)" >&2; exit 1; }
command -v conntrack >/dev/null || { echo "conntrack is missing (apt-get install conntrack)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q -Pbench package -DskipTests" >&2; exit 1; }
max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
((max > ENTRIES)) || { echo "nf_conntrack_max is $max: raise it above $ENTRIES" >&2; exit 1; }

ns=nsbench-$$
agent_pid=
work=$(mktemp -d)
cleanup() {
  [ -z "$agent_pid" ] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; }
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
for host in 10 11 12 20 21 22; do ip -n "$ns" addr add "192.0.2.$host/32" dev lo; done
# Accounting on, as the flows collector wants it; UDP entries kept for the whole run.
ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_udp_timeout=3600
ip netns exec "$ns" iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT
# No listener on the server port: drop instead of answering each datagram with an ICMP error.
ip netns exec "$ns" iptables -A INPUT -p udp -j DROP

echo "kernel $(uname -r), $(conntrack --version 2>&1), $(java -version 2>&1 | head -1), $(nproc) CPUs"
for shape in $SHAPES; do
  ip netns exec "$ns" conntrack -F 2>/dev/null || true
  # shellcheck disable=SC2086
  java @agent/jvm.options ${JAVA_OPTS:-} -cp "$JAR" dev.nodescope.bench.ConntrackDumpBenchmark "$ns" "$shape" \
    "$ENTRIES" "$ROUNDS" "$CPU_WINDOW"
done

# The agent jar with its defaults on the last shape's table (still there: UDP entries live an hour here); it runs
# in node mode (no API server outside the benchmark's process), so this part gives its process CPU and RSS only.
ip netns exec "$ns" java @agent/jvm.options -jar "$AGENT_JAR" --web.listen-address=127.0.0.1:9101 \
  --collector.flows.interval=10s >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 300); do
  ip netns exec "$ns" curl -fsS -o /dev/null http://127.0.0.1:9101/readyz 2>/dev/null && break
  sleep 0.1
done
ip netns exec "$ns" curl -fsS http://127.0.0.1:9101/readyz >/dev/null || { cat "$work/agent.log" >&2; exit 1; }
before=$(cpu_ticks "$agent_pid")
sleep "$CPU_WINDOW"
after=$(cpu_ticks "$agent_pid")
metrics=$(ip netns exec "$ns" curl -fsS http://127.0.0.1:9101/metrics)
grep -E '^nodescope_conntrack_entries |^nodescope_collector_(success|duration_seconds)\{collector="flows"' <<<"$metrics"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status")
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v w="$CPU_WINDOW" -v rss="$rss" \
  'BEGIN { printf "agent jar: %.2f CPU s per minute at a 10 s interval (%d s window), RSS %.0f MiB\n", t / hz * 60 / w, w, rss / 1024 }'
