#!/usr/bin/env bash
# Starts the agent and prometheus-node-exporter RUNS times each, alternating, and reports the median time from
# process start to the first 200: /readyz for the agent (every collector's first attempt done), /metrics for
# node_exporter (it has no readiness endpoint; its first scrape is when it is useful). Then the agent's RSS at rest
# after REST seconds with no scrapes beyond one per second of polling. With an AppCDS archive (ARCHIVE, made first
# with -XX:ArchiveClassesAtExit when it does not exist) the agent is timed both with and without it.
#
# Usage: bench/startup-vs-node-exporter.sh [agent flags...]
#   env: RUNS (5), JAR (agent/target/nodescope-agent.jar), JAVA_OPTS (extra JVM options after agent/jvm.options),
#        ARCHIVE (unset: no archive run; a path: the AppCDS archive to make and use)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

RUNS=${RUNS:-5}
JAR=${JAR:-agent/target/nodescope-agent.jar}
command -v prometheus-node-exporter >/dev/null || { echo "prometheus-node-exporter is missing" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q package -DskipTests" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Prints the seconds from start to the first 200 of URL, or fails after 30 s.
time_to_200() { # url command...
  local url=$1; shift
  local start; start=$(date +%s.%N)
  "$@" >"$work/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f\n", e - s}'
      kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
      return 0
    fi
    sleep 0.01
  done
  echo "no 200 from $url" >&2; cat "$work/run.log" >&2; exit 1
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

agent() { # extra JVM options... -> runs the agent on $port
  # shellcheck disable=SC2086
  java @agent/jvm.options ${JAVA_OPTS:-} "$@" -jar "$JAR" --web.listen-address="127.0.0.1:$port" "${agent_args[@]}"
}
agent_args=("$@")

if [ -n "${ARCHIVE:-}" ] && [ ! -f "$ARCHIVE" ]; then
  port=$(free_port)
  time_to_200 "http://127.0.0.1:$port/readyz" agent -XX:ArchiveClassesAtExit="$ARCHIVE" >/dev/null
fi

for _ in $(seq 1 "$RUNS"); do
  port=$(free_port)
  time_to_200 "http://127.0.0.1:$port/readyz" agent -Xshare:auto >>"$work/agent"
  if [ -n "${ARCHIVE:-}" ]; then
    port=$(free_port)
    time_to_200 "http://127.0.0.1:$port/readyz" agent -XX:SharedArchiveFile="$ARCHIVE" -Xshare:auto >>"$work/archive"
  fi
  port=$(free_port)
  time_to_200 "http://127.0.0.1:$port/metrics" prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
    >>"$work/exporter"
done

exporter=$(median <"$work/exporter")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
printf '%-44s %10s %8s\n' "start to first 200 (median of $RUNS, s)" "seconds" "ratio"
printf '%-44s %10s %8s\n' "node_exporter (/metrics)" "$exporter" "1.0"
agent_median=$(median <"$work/agent")
printf '%-44s %10s %8s\n' "nodescope (/readyz), no archive" "$agent_median" "$(ratio "$agent_median" "$exporter")"
if [ -n "${ARCHIVE:-}" ]; then
  archive_median=$(median <"$work/archive")
  printf '%-44s %10s %8s\n' "nodescope (/readyz), AppCDS archive" "$archive_median" "$(ratio "$archive_median" "$exporter")"
fi
