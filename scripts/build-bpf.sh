#!/usr/bin/env bash
# Rebuilds the eBPF objects under collectors/src/main/resources from the C sources under collectors/src/main/bpf,
# with Debian's clang and libbpf-dev (see scripts/test.sh's package list), and records the SHA-256 of the sources
# each object was built from beside it (<object>.sources): BpfObjectsTest fails when a source changed and its
# object was not rebuilt. The objects are CO-RE (libbpf relocates them against the running kernel's BTF), and one
# object serves every little-endian machine (x86-64, arm64).
# Usage: scripts/build-bpf.sh
set -euo pipefail
cd "$(dirname "$0")/.."

sources=collectors/src/main/bpf
objects=collectors/src/main/resources/dev/nodescope/collectors/tcp
mkdir -p "$objects"
for program in "$sources"/*.bpf.c; do
  stem=$(basename "$program" .c)
  # -g keeps BTF (libbpf needs it for CO-RE and map definitions); llvm-strip -g then drops the DWARF only.
  clang -g -O2 -target bpf -Wall -Werror -I"/usr/include/$(uname -m)-linux-gnu" \
    -fdebug-prefix-map="$PWD"=. -c "$program" -o "$objects/$stem.o"
  llvm-strip -g "$objects/$stem.o"
  (cd "$sources" && sha256sum "$stem.c" *.h) >"$objects/$stem.o.sources"
  echo "built $objects/$stem.o"
done
