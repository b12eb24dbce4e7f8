#!/usr/bin/env bash
# A busy node, as deployed: the agent's fat jar with agent/jvm.options, attribution on, beside
# prometheus-node-exporter, both scraped every 15 s by a real Prometheus, over WINDOW seconds. The node has
# - PODS pods (110) known from a fake API server (bench/fake-apiserver.py) with real cgroups (cgroup v1 memory, cpu
#   and cpuacct, made under this script's own busynode-PID cgroup of each hierarchy and bind-mounted as the kubepods
#   tree of a sysfs root given with --path.sysfs) and one sleeping process in each container cgroup;
# - ENTRIES (150,000) UDP conntrack entries between those pods' TEST-NET addresses, in a network namespace made here
#   (the agent runs in it: its conntrack is the node's), from ephemeral ports to 30 server ports;
# - 8 GPUs on the stand-in libnvidia-ml (collectors/src/test/c, STUB_NVML_GPUS=8), two of them in MIG mode;
# - a stand-in neuron-monitor printing the 16-device sample report every 5 s;
# - the CloudWatch bridge sending to a loopback sink that answers every call with success.
# Prints the agent's and node_exporter's RSS, CPU seconds per minute, scrape p50/p99 (Prometheus's
# scrape_duration_seconds), series, the load average, and the agent's collector durations.
# Everything made here (namespace, cgroups, mounts, processes, files) is removed on exit, also on failure.
#
# Usage (root): mvn -B -q -o -pl agent -am package -DskipTests && bench/busy-node.sh
#   env: WINDOW seconds (180), PODS (110), ENTRIES (150000)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

WINDOW=${WINDOW:-180}
PODS=${PODS:-110}
ENTRIES=${ENTRIES:-150000}
AGENT_JAR=agent/target/nodescope-agent.jar
NEURON_SAMPLE=/work/shared/reference/neuron-monitor-sample.json
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, cgroups, mounts)" >&2; exit 1; }
for tool in prometheus prometheus-node-exporter conntrack cc python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/test.sh's package list)" >&2; exit 1; }
done
[ -f "$AGENT_JAR" ] || { echo "$AGENT_JAR is missing: mvn -B -q -o -pl agent -am package -DskipTests" >&2; exit 1; }
[ -f "$NEURON_SAMPLE" ] || NEURON_SAMPLE=collectors/src/test/resources/neuron/sample.json
((PODS <= 762)) || { echo "PODS above 762 do not fit the three TEST-NET ranges" >&2; exit 1; }

tag=busynode-$$
ns=$tag
work=$(mktemp -d /tmp/$tag.XXXXXX)
pids=()
mounts=()
cgroups=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  # Deepest first; a cgroup empties as its sleeper is killed.
  for ((i = ${#cgroups[@]} - 1; i >= 0; i--)); do
    for _ in 1 2 3 4 5; do rmdir "${cgroups[i]}" 2>/dev/null && break; sleep 0.1; done
  done
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ports() { python3 -c 'import socket; s=[socket.socket() for _ in range(4)]; [x.bind(("127.0.0.1",0)) for x in s]; print(*[x.getsockname()[1] for x in s])'; }
read -r api_port sink_port agent_port exporter_port <<<"$(ports)"
prom_port=$(ports | cut -d' ' -f1)

# Every process of the run lives in this network namespace and talks over its loopback.
ip netns add "$ns"
ip -n "$ns" link set lo up

# --- Pods: the fake API server, and a cgroup v1 kubepods tree with one sleeper per container. ---
node=ip-10-0-0-0.ec2.internal
ip netns exec "$ns" python3 bench/fake-apiserver.py "$api_port" 1 10 "$PODS" "$PODS" >"$work/apiserver.log" 2>&1 &
pids+=($!)
sysroot=$work/sys
mkdir -p "$sysroot/fs/cgroup"
for entry in /sys/*; do [ "$entry" = /sys/fs ] || ln -s "$entry" "$sysroot/${entry#/sys/}"; done
for entry in /sys/fs/*; do [ "$entry" = /sys/fs/cgroup ] || ln -s "$entry" "$sysroot/fs/${entry#/sys/fs/}"; done
for entry in /sys/fs/cgroup/*; do
  name=${entry#/sys/fs/cgroup/}
  case $name in memory | cpu | cpuacct) ;; *) ln -s "$entry" "$sysroot/fs/cgroup/$name" ;; esac
done
sleeper_cgroups=()
for controller in memory cpu cpuacct; do
  real=$(readlink -f /sys/fs/cgroup/$controller)
  [ -d "$real/$tag" ] || { mkdir "$real/$tag" && cgroups+=("$real/$tag"); }
  mkdir -p "$sysroot/fs/cgroup/$controller"
  mount --bind "$real/$tag" "$sysroot/fs/cgroup/$controller"
  mounts+=("$sysroot/fs/cgroup/$controller")
  [ -d "$real/$tag/kubepods" ] && continue # cpu and cpuacct may be one hierarchy
  mkdir "$real/$tag/kubepods" "$real/$tag/kubepods/burstable"
  cgroups+=("$real/$tag/kubepods" "$real/$tag/kubepods/burstable")
  for ((i = 0; i < PODS; i++)); do
    pod=$real/$tag/kubepods/burstable/pod$(printf '0000000b-0000-4000-8000-%012d' "$i")
    container=$pod/$(printf '%064x' "$i")
    mkdir "$pod" "$container"
    cgroups+=("$pod" "$container")
    [ "$controller" = memory ] && echo $((256 << 20)) >"$pod/memory.limit_in_bytes"
    [ "$controller" = cpu ] && echo 100000 >"$pod/cpu.cfs_quota_us"
    [ "$controller" = memory ] && sleeper_cgroups+=("$container")
  done
done
for ((i = 0; i < PODS; i++)); do
  name=$(printf '0000000b-0000-4000-8000-%012d/%064x' "$i" "$i")
  sleep $((WINDOW + 600)) &
  pid=$!
  pids+=("$pid")
  for controller in memory cpu cpuacct; do
    echo "$pid" >"$(readlink -f /sys/fs/cgroup/$controller)/$tag/kubepods/burstable/pod$name/cgroup.procs"
  done
done

# --- Flows: ENTRIES UDP entries between the pods' addresses, in a namespace of our own. ---
nets=(192.0.2 198.51.100 203.0.113)
for ((i = 0; i < PODS; i++)); do echo "addr add ${nets[i / 254]}.$((i % 254 + 1))/32 dev lo"; done >"$work/addresses"
ip -n "$ns" -batch "$work/addresses"
ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_udp_timeout=3600
ip netns exec "$ns" iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT
ip netns exec "$ns" iptables -A INPUT -p udp -j DROP
ip netns exec "$ns" python3 - "$PODS" "$ENTRIES" <<'EOF'
import socket, sys
pods, entries = int(sys.argv[1]), int(sys.argv[2])
ip = lambda i: ("192.0.2", "198.51.100", "203.0.113")[i // 254] + f".{i % 254 + 1}"
for k in range(entries):
    # A new socket per entry gives each its own ephemeral port: a client pod to a server pod's port.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip(k % pods), 0))
    s.sendto(b"x" * (k % 512 + 1), (ip((k * 7 + 1) % pods), 8000 + k % 30))
    s.close()
EOF
echo "conntrack entries in $ns: $(ip netns exec "$ns" conntrack -C)"

# --- Accelerators and CloudWatch. ---
cc -shared -fPIC -O2 -o "$work/libnvidia-ml.so.1" collectors/src/test/c/fake-libnvidia-ml.c
tr -d '\n' <"$NEURON_SAMPLE" >"$work/neuron-report.json"
cat >"$work/neuron-monitor" <<EOF
#!/bin/sh
# Stand-in for neuron-monitor: the 16-device sample report every 5 s, for at most an hour.
for _ in \$(seq 720); do cat '$work/neuron-report.json'; echo; sleep 5; done
EOF
chmod +x "$work/neuron-monitor"
ip netns exec "$ns" python3 - "$sink_port" >"$work/sink.log" 2>&1 <<'EOF' &
# A CloudWatch and CloudWatch Logs stand-in: every call succeeds (CBOR for rpc-v2 metrics, JSON for logs).
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); self.rfile.read(n)
        cbor = self.path.startswith("/service/")
        body = b"\xa0" if cbor else b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/cbor" if cbor else "application/x-amz-json-1.1")
        if cbor: self.send_header("smithy-protocol", "rpc-v2-cbor")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        print(self.path, self.headers.get("X-Amz-Target", ""), n, flush=True)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
pids+=($!)

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$api_port"}}]
users: [{name: fake, user: {token: fake}}]
contexts: [{name: fake, context: {cluster: fake, user: fake}}]
current-context: fake
EOF

# --- The agent (in the namespace: its conntrack), node_exporter and Prometheus. ---
# shellcheck disable=SC2086
# MALLOC_ARENA_MAX=2 as the chart sets it (glibc's per-thread arenas).
ip netns exec "$ns" env NODE_NAME=$node LD_LIBRARY_PATH="$work" STUB_NVML_GPUS=8 MALLOC_ARENA_MAX=2 \
  AWS_ACCESS_KEY_ID=busynode AWS_SECRET_ACCESS_KEY=busynode AWS_EC2_METADATA_DISABLED=true \
  java @agent/jvm.options ${JAVA_OPTS:-} -jar "$AGENT_JAR" --web.listen-address=127.0.0.1:$agent_port \
  --path.sysfs="$sysroot" --kubernetes.kubeconfig="$work/kubeconfig" \
  --collector.neuron.command="$work/neuron-monitor" --kubelet.pod-resources-socket="$work/no-kubelet.sock" \
  --cloudwatch.enabled --cloudwatch.region=us-east-1 --cloudwatch.cluster-name=busynode \
  --cloudwatch.endpoint=http://127.0.0.1:$sink_port >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
# The agent listens in its namespace; node_exporter and Prometheus run there too, on its loopback.
ip netns exec "$ns" prometheus-node-exporter --web.listen-address=127.0.0.1:$exporter_port \
  >"$work/exporter.log" 2>&1 &
exporter_pid=$!
pids+=("$exporter_pid")
for _ in $(seq 1 300); do
  ip netns exec "$ns" curl -fsS -o /dev/null "http://127.0.0.1:$agent_port/readyz" 2>/dev/null && break
  sleep 0.2
done
ip netns exec "$ns" curl -fsS -o /dev/null "http://127.0.0.1:$agent_port/readyz" || {
  tail -30 "$work/agent.log" >&2
  exit 1
}
cat >"$work/prometheus.yml" <<EOF
global: {scrape_interval: 15s, scrape_timeout: 10s}
scrape_configs:
  - job_name: nodescope
    static_configs: [{targets: ["127.0.0.1:$agent_port"]}]
  - job_name: node_exporter
    static_configs: [{targets: ["127.0.0.1:$exporter_port"]}]
EOF
ip netns exec "$ns" prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address=127.0.0.1:$prom_port >"$work/prometheus.log" 2>&1 &
pids+=($!)

# Warm-up: one full round of every collector (the slowest interval is 30 s) before the window.
sleep 35
a0=$(cpu_ticks "$agent_pid") e0=$(cpu_ticks "$exporter_pid")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$WINDOW"
a1=$(cpu_ticks "$agent_pid") e1=$(cpu_ticks "$exporter_pid")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
hz=$(getconf CLK_TCK)

query() {
  ip netns exec "$ns" curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(" ".join("%s=%.1f" % (x["metric"].get("job", ""), float(x["value"][1]) * 1000) for x in r))'
}
range=$((WINDOW))s
echo "== busy node: $PODS pods, $(ip netns exec "$ns" conntrack -C) conntrack entries, 8 GPUs (2 MIG), 16 Neuron devices, CloudWatch on; window ${WINDOW}s; $(nproc) CPUs"
echo "load average at the window's start: $load0; at its end: $load1"
for who in agent:$agent_pid:$a0:$a1 node_exporter:$exporter_pid:$e0:$e1; do
  IFS=: read -r name pid t0 t1 <<<"$who"
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  awk -v n="$name" -v t=$((t1 - t0)) -v hz="$hz" -v w="$WINDOW" -v rss="$rss" \
    'BEGIN { printf "%-14s RSS %6.1f MiB  CPU %5.2f s per minute\n", n, rss / 1024, t / hz * 60 / w }'
done
echo "scrape p50 ms: $(query "quantile_over_time(0.5, scrape_duration_seconds[$range])")"
echo "scrape p99 ms: $(query "quantile_over_time(0.99, scrape_duration_seconds[$range])")"
echo "scrape max ms: $(query "max_over_time(scrape_duration_seconds[$range])")"
echo "scrapes:       $(query "count_over_time(scrape_duration_seconds[$range]) / 1000")"
echo "series:        $(query "scrape_samples_scraped / 1000")"
metrics=$(ip netns exec "$ns" curl -fsS "http://127.0.0.1:$agent_port/metrics")
echo "agent collector durations (s) and successes:"
grep -E '^nodescope_collector_(duration_seconds|success)\{' <<<"$metrics" | sort || true
echo "agent pods known: $(grep -c '^nodescope_pod_info{' <<<"$metrics" || true); pods read from cgroups: $(grep -c '^nodescope_pod_memory_working_set_bytes{' <<<"$metrics" || true); GPUs: $(grep -c '^DCGM_FI_DEV_GPU_TEMP{' <<<"$metrics" || true); Neuron devices: $(grep -E '^neuron_hardware_info|^neurondevice_hw' <<<"$metrics" | head -1)"
echo "CloudWatch sink: $(wc -l <"$work/sink.log") calls"
echo "threads: $(ls /proc/$agent_pid/task | wc -l); top threads by CPU ticks:"
for t in /proc/$agent_pid/task/*; do
  awk -v name="$(cat "$t/comm")" '{print $14 + $15, name}' "$t/stat"
done | sort -rn | head -8
echo "agent warnings and errors (count, message):"
grep -E 'level=(warn|error)' "$work/agent.log" | sed 's/^ts=[^ ]* //' | cut -c1-240 | sort | uniq -c | sort -rn | head -10 || true
