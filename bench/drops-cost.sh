#!/usr/bin/env bash
# Cost of the tcp collector's drop counter (drops.bpf.o on skb:kfree_skb) on the path it watches: a sender in a
# network namespace made here sends PACKETS UDP datagrams that an iptables OUTPUT rule drops (each one a
# kfree_skb with NETFILTER_DROP), timed per datagram, without and with the counter loaded, alternating for ROUNDS
# rounds in one run, as root. Normal traffic is not on this path: the program runs only for packets the kernel
# drops (kfree_skb), not for packets it delivers or sends (consume_skb).
#
# Usage: bench/drops-cost.sh   env: PACKETS (200000), ROUNDS (5)
# Needs: mvn -B -q -Pbench package -DskipTests (bench/target/benchmarks.jar), gcc, ip, iptables; kernel 5.17+ with BTF.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKETS=${PACKETS:-200000}
ROUNDS=${ROUNDS:-5}
JAR=bench/target/benchmarks.jar
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q -Pbench package -DskipTests" >&2; exit 1; }

ns=drops-bench-$$
work=$(mktemp -d)
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" iptables -A OUTPUT -p udp --dport 9 -j DROP

cat >"$work/send.c" <<'C'
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
int main(int argc, char **argv) {
  long n = atol(argv[1]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++)
    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
C
gcc -O2 -o "$work/send" "$work/send.c"

round() { ip netns exec "$ns" "$work/send" "$PACKETS"; }
round >/dev/null # warm-up
mkfifo "$work/hold"
without=() with=()
for ((r = 1; r <= ROUNDS; r++)); do
  without+=("$(round)")
  java -cp "$JAR" dev.nodescope.collectors.tcp.DropsHold <"$work/hold" >"$work/out" &
  holder=$!
  exec 3>"$work/hold"
  until grep -q loaded "$work/out" 2>/dev/null; do sleep 0.1; done
  with+=("$(round)")
  exec 3>&-
  wait "$holder"
  holder=
done
matched=$(ip netns exec "$ns" iptables -L OUTPUT -v -x -n | awk '$3 == "DROP" {print $1}')
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "ns per dropped datagram, without counter: ${without[*]} (median $(median "${without[@]}"))"
echo "ns per dropped datagram, with counter:    ${with[*]} (median $(median "${with[@]}"))"
echo "datagrams dropped by the rule: $matched ($((2 * ROUNDS + 1)) x $PACKETS sent)"
awk -v a="$(median "${without[@]}")" -v b="$(median "${with[@]}")" \
  'BEGIN {printf "added per drop: %.1f ns (%.1f%%)\n", b - a, 100 * (b - a) / a}'
