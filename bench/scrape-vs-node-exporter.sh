#!/usr/bin/env bash
# Runs the agent and prometheus-node-exporter side by side on this machine, on loopback, and reports as ratios
# (agent / node_exporter): scrape latency p50 and p99 over SCRAPES scrapes (kept-alive connections, as Prometheus
# scrapes; rounded up to a multiple of 20), RSS after scraping, and CPU seconds per
# minute over a fixed WINDOW while both are scraped every SCRAPE_EVERY seconds, as a Prometheus would.
#
# Usage: bench/scrape-vs-node-exporter.sh [agent flags...]
#   env: SCRAPES (200), WINDOW seconds (60), SCRAPE_EVERY seconds (5), JAR (agent/target/nodescope-agent.jar),
#        JAVA_OPTS (extra JVM options after agent/jvm.options, to try one before it goes into that file),
#        NODE_EXPORTER_ARGS (none: its default collectors). For like-for-like work against the node collector:
#        NODE_EXPORTER_ARGS="--collector.disable-defaults --collector.cpu --collector.meminfo --collector.netdev
#        --collector.filesystem --collector.loadavg --collector.time"
# Both read the real /proc and /sys of this machine; the series counts are printed beside the ratios because they
# are what the work scales with.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

SCRAPES=${SCRAPES:-200}
WINDOW=${WINDOW:-60}
SCRAPE_EVERY=${SCRAPE_EVERY:-5}
JAR=${JAR:-agent/target/nodescope-agent.jar}
read -r -a node_exporter_args <<<"${NODE_EXPORTER_ARGS:-}"
ACCEPT='application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'

command -v prometheus-node-exporter >/dev/null || { echo "prometheus-node-exporter is missing (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q package -DskipTests" >&2; exit 1; }

agent_port=$(free_port)
exporter_port=$(free_port)
work_and_pids_cleaned_on_exit

# The agent runs with the JVM options of agent/jvm.options, exactly as the README and the container run it.
# shellcheck disable=SC2086
java @agent/jvm.options ${JAVA_OPTS:-} -jar "$JAR" --web.listen-address="127.0.0.1:$agent_port" "$@" >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
prometheus-node-exporter --web.listen-address="127.0.0.1:$exporter_port" "${node_exporter_args[@]}" >"$work/exporter.log" 2>&1 &
exporter_pid=$!
pids+=("$exporter_pid")

wait_for() { # url
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2; cat "$work"/*.log >&2; exit 1
}
wait_for "http://127.0.0.1:$agent_port/readyz"
wait_for "http://127.0.0.1:$exporter_port/metrics"

url_agent="http://127.0.0.1:$agent_port/metrics"
url_exporter="http://127.0.0.1:$exporter_port/metrics"
series() { curl -fsS -H "Accept: $ACCEPT" "$1" | grep -vc '^#'; }

# Prometheus keeps its connection to a target alive between scrapes, so scrapes are timed in rounds of 20 on one
# kept-alive curl connection each, alternating between the two so both see the same noise. A first round warms up.
ROUND=20
scrape_round() { # url -> one time_total per scrape, in seconds
  local args=()
  for _ in $(seq 1 "$ROUND"); do args+=(-o /dev/null "$1"); done
  curl -fsS -H "Accept: $ACCEPT" -w '%{time_total}\n' "${args[@]}"
}
scrape_round "$url_agent" >/dev/null
scrape_round "$url_exporter" >/dev/null
for _ in $(seq 1 $(((SCRAPES + ROUND - 1) / ROUND))); do
  scrape_round "$url_agent" >>"$work/agent.lat"
  scrape_round "$url_exporter" >>"$work/exporter.lat"
done
percentile() { # file, p in 0..100 -> milliseconds (nearest rank)
  sort -g "$1" | awk -v p="$2" '{v[NR]=$1} END {r=int((p/100)*NR+0.999999); if (r<1) r=1; printf "%.2f", v[r]*1000}'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# CPU over a fixed window, both scraped every SCRAPE_EVERY seconds.
a0=$(cpu_ticks "$agent_pid"); e0=$(cpu_ticks "$exporter_pid")
end=$((SECONDS + WINDOW))
while [ "$SECONDS" -lt "$end" ]; do
  curl -fsS -o /dev/null -H "Accept: $ACCEPT" "$url_agent"
  curl -fsS -o /dev/null -H "Accept: $ACCEPT" "$url_exporter"
  sleep "$SCRAPE_EVERY"
done
a1=$(cpu_ticks "$agent_pid"); e1=$(cpu_ticks "$exporter_pid")
hz=$(getconf CLK_TCK)

agent_series=$(series "$url_agent"); exporter_series=$(series "$url_exporter")
agent_p50=$(percentile "$work/agent.lat" 50); exporter_p50=$(percentile "$work/exporter.lat" 50)
agent_p99=$(percentile "$work/agent.lat" 99); exporter_p99=$(percentile "$work/exporter.lat" 99)
agent_rss=$(rss_kb "$agent_pid"); exporter_rss=$(rss_kb "$exporter_pid")
agent_cpu=$(awk -v d=$((a1 - a0)) -v hz="$hz" -v w="$WINDOW" 'BEGIN {printf "%.3f", d / hz * 60 / w}')
exporter_cpu=$(awk -v d=$((e1 - e0)) -v hz="$hz" -v w="$WINDOW" 'BEGIN {printf "%.3f", d / hz * 60 / w}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "n/a"; else printf "%.2f", a / b}'; }

printf '%-28s %14s %16s %8s\n' "measure" "nodescope" "node_exporter" "ratio"
printf '%-28s %14s %16s %8s\n' "series served" "$agent_series" "$exporter_series" "$(ratio "$agent_series" "$exporter_series")"
printf '%-28s %14s %16s %8s\n' "scrape p50 (ms, n=$SCRAPES)" "$agent_p50" "$exporter_p50" "$(ratio "$agent_p50" "$exporter_p50")"
printf '%-28s %14s %16s %8s\n' "scrape p99 (ms, n=$SCRAPES)" "$agent_p99" "$exporter_p99" "$(ratio "$agent_p99" "$exporter_p99")"
printf '%-28s %14s %16s %8s\n' "RSS (MiB)" "$(awk -v k="$agent_rss" 'BEGIN{printf "%.1f", k/1024}')" \
  "$(awk -v k="$exporter_rss" 'BEGIN{printf "%.1f", k/1024}')" "$(ratio "$agent_rss" "$exporter_rss")"
printf '%-28s %14s %16s %8s\n' "CPU s/min (${WINDOW}s window)" "$agent_cpu" "$exporter_cpu" "$(ratio "$agent_cpu" "$exporter_cpu")"
