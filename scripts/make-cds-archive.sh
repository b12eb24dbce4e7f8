#!/usr/bin/env bash
# Makes an AppCDS archive of the classes the agent loads on this machine (a dynamic archive over the JDK's own, Java
# 17's -XX:ArchiveClassesAtExit): it starts the jar with agent/jvm.options on a free loopback port, waits for /readyz,
# scrapes /metrics in both exposition formats, lets a second round of collections run, then stops it with SIGTERM,
# at which the JVM writes the archive. Use it with
#   java @agent/jvm.options -XX:SharedArchiveFile=agent/target/nodescope-agent.jsa -jar agent/target/nodescope-agent.jar
# An archive only fits the JDK build and the jar (path and modification time) it was made with; with any other the
# JVM says so in one warning and runs without it, so remake it after each build of the jar. docs/running.md says why.
#
# Usage: scripts/make-cds-archive.sh [archive (agent/target/nodescope-agent.jsa)] [agent flags...]
#   env: JAR (agent/target/nodescope-agent.jar)
set -euo pipefail
cd "$(dirname "$0")/.."

ARCHIVE=${1:-agent/target/nodescope-agent.jsa}
shift || true
JAR=${JAR:-agent/target/nodescope-agent.jar}
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q package -DskipTests" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT

rm -f "$ARCHIVE"
java @agent/jvm.options -XX:ArchiveClassesAtExit="$ARCHIVE" -jar "$JAR" --web.listen-address="127.0.0.1:$port" "$@" \
  >"$log" 2>&1 &
pid=$!
ready=
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || { echo "the agent never became ready:" >&2; cat "$log" >&2; exit 1; }
# The classes of a scrape in each format and encoding, and of a collection past the first.
for accept in 'application/openmetrics-text;version=1.0.0' 'text/plain;version=0.0.4'; do
  curl -fsS -o /dev/null -H "Accept: $accept" "http://127.0.0.1:$port/metrics"
  curl -fsS -o /dev/null --compressed -H "Accept: $accept" "http://127.0.0.1:$port/metrics"
done
sleep 12
curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics"
kill "$pid"
wait "$pid" || true
pid=
[ -s "$ARCHIVE" ] || { echo "no archive written:" >&2; cat "$log" >&2; exit 1; }
echo "$ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)) for $JAR"
