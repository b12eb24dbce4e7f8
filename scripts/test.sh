#!/usr/bin/env bash
# Installs what the tests need (when missing and running as root) and runs every test.
# Usage: scripts/test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive for real: Prometheus and promtool (scrapes, rules), node_exporter (benchmark
# peer), conntrack/iproute2/iptables/procps (kernel conntrack in network namespaces, sysctl), ethtool (the truth
# for our ETHTOOL_GSTATS ioctl), the Python client's strict OpenMetrics parser (promtool 2.42 lints only the text
# format), a C compiler for the stand-in libnvidia-ml that the real NVML binding is tested against without a GPU,
# libbpf1 (the BPF binding), bpftool (the kernel's own listing of maps, programs and links, and the Cilium
# benchmark's peer), clang/llvm/libbpf-dev (scripts/build-bpf.sh), iperf3 (the tcp collector's transfers and cost).
packages=(prometheus prometheus-node-exporter conntrack iproute2 iptables procps ethtool python3-prometheus-client gcc
  libc6-dev libbpf1 bpftool libbpf-dev clang llvm iperf3)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: missing packages ${missing[*]} and not root; tests that need them will say so" >&2
  fi
fi

revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
exec mvn -B -ntp -Dnodescope.revision="$revision" verify "$@"
