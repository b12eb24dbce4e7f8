#!/usr/bin/env bash
# The agent against a big cluster: a stand-in API server (bench/fake-apiserver.py) serves NODES Nodes, 4 Services
# and 30 endpoints per node (5,000 nodes: 20,000 Services, 150,000 endpoints). The agent runs as deployed (the jar,
# agent/jvm.options, default collectors, so `flows` asks for the cluster directory) with --kubernetes.watch-nodes on
# and off (MALLOC_ARENA_MAX=2 as the chart sets it). For each run it reports the time from process start until the agent holds every Node, Service and
# EndpointSlice (nodescope_kubernetes_objects, reported every second for the run), the heap in use after a full GC (the stores' live size) and the RSS; beside it,
# the peer figure: the time to fetch the same pages once with curl, the floor any client pays to read them.
#
# Usage: bench/big-cluster.sh        env: SIZES ("1000 5000 10000" nodes), JAR (agent/target/nodescope-agent.jar),
#        HISTOGRAMS (a directory: keep each run's top heap classes there), JAVA_OPTS (after agent/jvm.options)
# Needs: python3, curl, jcmd (the JDK's). Loopback only; everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

SIZES=${SIZES:-1000 5000 10000}
JAR=${JAR:-agent/target/nodescope-agent.jar}
[ -f "$JAR" ] || { echo "$JAR is missing: mvn -B -q package -DskipTests" >&2; exit 1; }

work=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
heap_used_mib() { # after a full collection: what the stores keep
  jcmd "$1" GC.run >/dev/null
  jcmd "$1" GC.heap_info | awk '/def new generation|tenured generation/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,","",v); s+=v}} END {printf "%.1f", s/1024}'
}

# The peer: the same lists, page by page (limit 500, as the agent asks), with curl into /dev/null.
fetch_all_ms() { # port watch_nodes
  local start resources=(api/v1/services apis/discovery.k8s.io/v1/endpointslices)
  [ "$2" = on ] && resources+=(api/v1/nodes)
  start=$(now_ms)
  for resource in "${resources[@]}"; do
    local next=""
    while :; do
      curl -fsS -o "$work/page.json" "http://127.0.0.1:$1/$resource?limit=500&continue=$next"
      next=$(head -c 400 "$work/page.json" | grep -o '"continue": "[0-9]*"' | grep -o '[0-9]*' || true)
      [ -n "$next" ] || break
    done
  done
  echo $(($(now_ms) - start))
}

printf '%-6s %-11s %9s %9s %7s %9s %9s %8s %9s\n' nodes watch-nodes sync_s curl_s ratio heap_MiB rss_MiB objects B/object
for nodes in $SIZES; do
  for watch in on off; do
    api_port=$(free_port)
    agent_port=$(free_port)
    python3 bench/fake-apiserver.py "$api_port" "$nodes" $((nodes * 4)) $((nodes * 30)) >"$work/api.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do grep -q listening "$work/api.log" && break; sleep 0.1; done
    cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:$api_port"}}]
users: [{name: bench, user: {}}]
contexts: [{name: bench, context: {cluster: bench, user: bench}}]
current-context: bench
EOF
    # The kubernetes collector reports the stores' sizes every second, so the sync is seen within a second.
    flags=(--web.listen-address="127.0.0.1:$agent_port" --kubernetes.kubeconfig="$work/kubeconfig"
      --collector.kubernetes.interval=1s --collector.kubernetes.timeout=1s)
    [ "$watch" = off ] && flags+=(--no-kubernetes.watch-nodes)
    start=$(now_ms)
    # MALLOC_ARENA_MAX=2 as the chart sets it (glibc's per-thread arenas).
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=2 NODE_NAME=ip-10-0-0-0.ec2.internal java @agent/jvm.options ${JAVA_OPTS:-} -jar "$JAR" "${flags[@]}" >"$work/agent.log" 2>&1 &
    agent_pid=$!
    pids+=("$agent_pid")
    want=$((nodes * 8)) # Services and EndpointSlices, 4 each per node
    [ "$watch" = on ] && want=$((want + nodes))
    synced_ms=""
    for _ in $(seq 1 1200); do
      held=$({ curl -fsS "http://127.0.0.1:$agent_port/metrics" 2>/dev/null || true; } |
        awk '/^nodescope_kubernetes_objects\{resource="(services|endpointslices|nodes)"\}/ {s+=$2} END {print s+0}')
      if [ "${held%.*}" -ge "$want" ]; then synced_ms=$(($(now_ms) - start)); break; fi
      if ! kill -0 "$agent_pid" 2>/dev/null; then
        echo "$nodes nodes, watch-nodes $watch: the agent exited: $(grep -m1 -o 'OutOfMemoryError.*' "$work/agent.log" || tail -1 "$work/agent.log")"
        break
      fi
      sleep 0.1
    done
    if [ -z "$synced_ms" ]; then
      kill -0 "$agent_pid" 2>/dev/null && echo "$nodes nodes, watch-nodes $watch: no sync within 120 s"
      stop_all
      continue
    fi
    if ! metrics=$(curl -fsS "http://127.0.0.1:$agent_port/metrics"); then
      kill -0 "$agent_pid" 2>/dev/null && state="alive" || state="exited: $(grep -m1 -o 'OutOfMemoryError.*' "$work/agent.log" || tail -1 "$work/agent.log")"
      echo "$nodes nodes, watch-nodes $watch: synced in $synced_ms ms, then /metrics failed (agent $state)"
      stop_all
      continue
    fi
    objects=$(awk '/^nodescope_kubernetes_objects\{resource="(services|endpointslices|nodes)"\}/ {s+=$2} END {print s}' <<<"$metrics")
    rss_peak=$(rss_mib "$agent_pid")
    heap=$(heap_used_mib "$agent_pid")
    curl_ms=$(fetch_all_ms "$api_port" "$watch")
    printf '%-6s %-11s %9.2f %9.2f %7.2f %9s %9s %8s %9.0f\n' "$nodes" "$watch" "$(echo "$synced_ms/1000" | bc -l)" \
      "$(echo "$curl_ms/1000" | bc -l)" "$(echo "$synced_ms/$curl_ms" | bc -l)" "$heap" "$rss_peak" "$objects" \
      "$(echo "$heap*1048576/$objects" | bc -l)"
    # What the heap holds after the sync: the largest classes, for the per-object figures in docs/performance.md.
    jcmd "$agent_pid" GC.class_histogram | sed -n '1,28p' >"$work/histogram-$nodes-$watch.txt"
    [ -n "${HISTOGRAMS:-}" ] && cp "$work/histogram-$nodes-$watch.txt" "$HISTOGRAMS/"
    stop_all
  done
done
