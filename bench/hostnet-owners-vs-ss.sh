#!/usr/bin/env bash
# hostNetwork attribution (HostNetworkSockets: sock_diag dump, /proc fd scan, cgroup pod UID) against its peer
# `ss -tuanp` (sock_diag dump plus every process's fd links), side by side in one run, as root. A holder process in
# a kubelet-shaped pod cgroup keeps CONNECTIONS loopback TCP connections to itself on 192.0.2.50 (TEST-NET) in a
# network namespace made here; the Java side attributes both ends of every connection, cold and with its cache.
#
# Usage: bench/hostnet-owners-vs-ss.sh   env: CONNECTIONS (2000), ROUNDS (20)
# Needs: mvn -B -q -Pbench package -DskipTests (bench/target/benchmarks.jar), python3, ss, ip; cgroup v1 or v2.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-2000}
ROUNDS=${ROUNDS:-20}
JAR=bench/target/benchmarks.jar
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q -Pbench package -DskipTests" >&2; exit 1; }

ns=nsbench-hostnet-$$
uid=$(cat /proc/sys/kernel/random/uuid)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  cgroup=/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice
else
  cgroup=/sys/fs/cgroup/pids/kubepods/besteffort/pod$uid
fi
work=$(mktemp -d)
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
  rmdir "$cgroup" 2>/dev/null || true
  rmdir "$(dirname "$cgroup")" "$(dirname "$(dirname "$cgroup")")" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add 192.0.2.50/32 dev lo
mkdir -p "$cgroup"
mkfifo "$work/hold"
ulimit -n $((2 * CONNECTIONS + 256)) 2>/dev/null ||
  { echo "CONNECTIONS=$CONNECTIONS needs $((2 * CONNECTIONS + 256)) open files; the hard limit is $(ulimit -Hn)" >&2; exit 1; }
ip netns exec "$ns" python3 -c '
import socket, sys
n = int(sys.argv[1])
server = socket.socket(); server.bind(("192.0.2.50", 8080)); server.listen(n)
kept = []
with open(sys.argv[2], "w") as ports:
    for _ in range(n):
        client = socket.create_connection(("192.0.2.50", 8080))
        accepted, _ = server.accept()
        kept += [client, accepted]
        ports.write("%d\n" % client.getsockname()[1])
print("ready", flush=True)
open(sys.argv[3]).read()
' "$CONNECTIONS" "$work/ports" "$work/hold" >"$work/holder.out" &
holder=$!
echo "$holder" >"$cgroup/cgroup.procs"
for _ in $(seq 300); do grep -q ready "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/holder.out" || { echo "holder never got ready" >&2; exit 1; }

echo "processes on this machine: $(ls -d /proc/[0-9]* | wc -l)"
ip netns exec "$ns" java -Xmx128m -XX:+UseSerialGC -cp "$JAR" dev.nodescope.bench.HostNetworkOwnersBench \
  192.0.2.50 8080 "$uid" "$work/ports" "$ROUNDS"
echo done >"$work/hold"
