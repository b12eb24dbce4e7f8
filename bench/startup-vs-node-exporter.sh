#!/usr/bin/env bash
# The agent at rest beside prometheus-node-exporter, both with their defaults on this machine.
#
# Start-up: starts the agent and node_exporter RUNS times each, alternating, and reports the median time from
# process start to the first 200: /readyz for the agent (every collector's first attempt done), /metrics for
# node_exporter (it has no readiness endpoint; its first scrape is when it is useful).
#
# At rest: then starts them again side by side and scrapes each every SCRAPE_EVERY seconds, as a Prometheus would;
# after REST seconds it counts CPU (utime+stime from /proc/PID/stat) over WINDOW seconds, then reads RSS and PSS
# (/proc/PID/smaps_rollup: PSS shares the file-backed pages, the JDK's libraries and CDS archives, with the other
# processes that map them) and the flows collector's latest duration.
#
# With ARCHIVE (an AppCDS archive; made first by scripts/make-cds-archive.sh when it does not exist) the agent is
# measured both without and with it, in the same runs.
#
# Usage: bench/startup-vs-node-exporter.sh [agent flags...]
#   env: RUNS (5), REST seconds (60), WINDOW seconds (120), SCRAPE_EVERY seconds (15),
#        JAR (agent/target/nodescope-agent.jar), JAVA_OPTS (extra JVM options after agent/jvm.options),
#        ARCHIVE (unset: no archive runs; a path: the AppCDS archive to make if missing and use)
# The environment passes through: MALLOC_ARENA_MAX=2 measures the agent as the Helm chart runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

RUNS=${RUNS:-5}
REST=${REST:-60}
WINDOW=${WINDOW:-120}
SCRAPE_EVERY=${SCRAPE_EVERY:-15}
JAR=${JAR:-agent/target/nodescope-agent.jar}
ACCEPT='application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'
command -v prometheus-node-exporter >/dev/null || { echo "prometheus-node-exporter is missing" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q package -DskipTests" >&2; exit 1; }

work_and_pids_cleaned_on_exit

agent_args=("$@")
agent() { # port, extra JVM options... : replaces the calling (background) shell with the agent
  local port=$1; shift
  # shellcheck disable=SC2086
  exec java @agent/jvm.options ${JAVA_OPTS:-} "$@" -jar "$JAR" --web.listen-address="127.0.0.1:$port" \
    "${agent_args[@]}"
}
exporter() { # port
  exec prometheus-node-exporter --web.listen-address="127.0.0.1:$1"
}
stop() { # pid
  kill "$1"; wait "$1" 2>/dev/null || true
}

# Prints the seconds from start to the first 200 of the path on a fresh port, or fails after 60 s.
time_to_200() { # path, command (agent or exporter), its arguments after the port...
  local path=$1 cmd=$2; shift 2
  local port start pid
  port=$(free_port)
  start=$(date +%s.%N)
  "$cmd" "$port" "$@" >"$work/run.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 6000); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port$path" 2>/dev/null; then
      awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f\n", e - s}'
      stop "$pid"
      return 0
    fi
    sleep 0.01
  done
  echo "no 200 from $path" >&2; cat "$work/run.log" >&2; exit 1
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

variants=(plain)
if [ -n "${ARCHIVE:-}" ]; then
  [ -f "$ARCHIVE" ] || JAR="$JAR" scripts/make-cds-archive.sh "$ARCHIVE" "${agent_args[@]}" >&2
  variants+=(archive)
fi
options() { # variant -> its extra JVM options
  if [ "$1" = archive ]; then echo "-XX:SharedArchiveFile=$ARCHIVE"; fi
}

for _ in $(seq 1 "$RUNS"); do
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2046
    time_to_200 /readyz agent $(options "$v") >>"$work/start.$v"
  done
  time_to_200 /metrics exporter >>"$work/start.exporter"
done

# At rest, side by side.
declare -A port pid
for v in "${variants[@]}" exporter; do
  port[$v]=$(free_port)
  if [ "$v" = exporter ]; then
    exporter "${port[$v]}" >"$work/$v.log" 2>&1 &
  else
    # shellcheck disable=SC2046
    agent "${port[$v]}" $(options "$v") >"$work/$v.log" 2>&1 &
  fi
  pid[$v]=$!
  pids+=("${pid[$v]}")
done
scrape_all() {
  for v in "${variants[@]}" exporter; do
    curl -fsS -o "$work/$v.metrics" -H "Accept: $ACCEPT" "http://127.0.0.1:${port[$v]}/metrics" 2>/dev/null || true
  done
}
declare -A ticks
elapsed=0
while [ "$elapsed" -lt $((REST + WINDOW)) ]; do
  if [ "$elapsed" -ge "$REST" ] && [ -z "${ticks[exporter]:-}" ]; then
    for v in "${variants[@]}" exporter; do ticks[$v]=$(cpu_ticks "${pid[$v]}"); done
  fi
  scrape_all
  sleep "$SCRAPE_EVERY"
  elapsed=$((elapsed + SCRAPE_EVERY))
done
hz=$(getconf CLK_TCK)

rollup_mib() { awk -v k="$2:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup"; }
flows_ms() {
  awk '/^nodescope_collector_duration_seconds\{collector="flows"\}/ {printf "%.1f", $2 * 1000}' "$work/$1.metrics"
}
echo "start to first 200 (median of $RUNS runs, s); at rest after $REST s, CPU over $WINDOW s, scraped every ${SCRAPE_EVERY} s"
printf '%-28s %8s %9s %9s %11s %10s\n' "" "start s" "RSS MiB" "PSS MiB" "CPU s/min" "flows ms"
for v in "${variants[@]}" exporter; do
  p=${pid[$v]}
  cpu=$(awk -v a="${ticks[$v]}" -v b="$(cpu_ticks "$p")" -v hz="$hz" -v w="$WINDOW" \
    'BEGIN {printf "%.3f", (b - a) / hz * 60 / w}')
  case $v in
    plain) name="nodescope (/readyz)"; flows=$(flows_ms "$v") ;;
    archive) name="nodescope, AppCDS archive"; flows=$(flows_ms "$v") ;;
    exporter) name="node_exporter (/metrics)"; flows=- ;;
  esac
  printf '%-28s %8s %9s %9s %11s %10s\n' "$name" "$(median <"$work/start.$v")" "$(rollup_mib "$p" Rss)" \
    "$(rollup_mib "$p" Pss)" "$cpu" "$flows"
done
