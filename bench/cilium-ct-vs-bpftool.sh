#!/usr/bin/env bash
# The flows collector reading and aggregating Cilium's TCP conntrack map (ENTRIES connections in an LRU hash of
# Cilium's default 524,288 entries, named and sized as Cilium's) against `bpftool map dump pinned MAP > /dev/null`
# of the same map, in the same run, rounds interleaved, with the agent's JVM options.
# The map is pinned in a BPF filesystem mounted here on a temporary directory and unmounted on exit, which frees it.
#
# Usage (root): mvn -B -q -Pbench package -DskipTests && bench/cilium-ct-vs-bpftool.sh
#   env: ENTRIES (500000), ROUNDS (10 timed, after 5 warm-up), JAVA_OPTS (extra JVM options)
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${ENTRIES:-500000}
ROUNDS=${ROUNDS:-10}
JAR=bench/target/benchmarks.jar
[ "$(id -u)" = 0 ] || { echo "needs root (a BPF filesystem, BPF maps)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "bpftool is missing (apt-get install bpftool)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q -Pbench package -DskipTests" >&2; exit 1; }

bpffs=$(mktemp -d -t cilium-bench-bpffs-XXXXXX)
cleanup() {
  umount "$bpffs" 2>/dev/null || true
  rmdir "$bpffs"
}
trap cleanup EXIT
mount -t bpf bpf "$bpffs"

echo "kernel $(uname -r), $(bpftool version | head -1), $(java -version 2>&1 | head -1), $(nproc) CPUs"
# shellcheck disable=SC2086
java @agent/jvm.options ${JAVA_OPTS:-} -cp "$JAR" dev.nodescope.bench.CiliumConntrackBenchmark "$bpffs" "$ENTRIES" "$ROUNDS"
