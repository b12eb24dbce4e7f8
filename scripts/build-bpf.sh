#!/usr/bin/env bash
# Rebuilds the committed eBPF objects from their C sources (Debian: clang, llvm, libbpf-dev).
# Each collectors/src/main/bpf/NAME.bpf.c becomes NAME.bpf.o among the agent's resources, as a CO-RE object
# (clang -g -O2 -target bpf, DWARF stripped, BTF kept for load-time relocation), with NAME.bpf.o.sha256 recording the
# source it was built from: BpfObjectsTest fails when a source changed and its object was not rebuilt.
# Usage: scripts/build-bpf.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sources=collectors/src/main/bpf
objects=collectors/src/main/resources/dev/nodescope/collectors/bpf
arch=$(uname -m)
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) echo "unsupported architecture $arch" >&2; exit 2 ;;
esac
mkdir -p "$objects"
for source in "$sources"/*.bpf.c; do
  name=$(basename "$source" .c)
  clang -g -O2 -target bpf -D__TARGET_ARCH_"$target_arch" -I/usr/include/"$arch"-linux-gnu -Wall -Werror \
    -c "$source" -o "$objects/$name.o"
  llvm-strip -g "$objects/$name.o"
  (cd "$sources" && sha256sum "$name.c") > "$objects/$name.o.sha256"
  echo "built $objects/$name.o"
done
