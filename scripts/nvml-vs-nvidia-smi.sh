#!/usr/bin/env bash
# Runs the agent's NVML reading once (NvmlProbe) and compares each value nvidia-smi also reports.
# Usage: scripts/nvml-vs-nvidia-smi.sh JAVA CLASSPATH
# Tolerances: identity/driver/ECC/remapped rows exact; clocks ±10%; GPU and memory temperature ±3 °C; power ±15%;
# utilization ±15 points; framebuffer used/free and per-process memory ±64 MiB (the reads are not simultaneous);
# NVLink data traffic ±5% (a counter that moves between the two reads). GPM has no nvidia-smi query to compare
# with: its ratios must lie in 0..1 and PCIe rates be >= 0 (`nvidia-smi dmon --gpm-metrics` is printed for a look).
# Values NVML does not support on the GPU ("ERR 3") are skipped. Exit status 1 on any mismatch.
set -euo pipefail
java=${1:-java}; classpath=${2:?classpath}
probe=$("$java" -cp "$classpath" dev.nodescope.collectors.nvidia.NvmlProbe)
echo "$probe"
smi=$(nvidia-smi --query-gpu=index,uuid,pci.bus_id,name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw,utilization.gpu,utilization.memory,memory.used,memory.free,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,temperature.memory --format=csv,noheader,nounits)
echo "$smi"
rows=$(nvidia-smi --query-remapped-rows=gpu_uuid,remapped_rows.correctable,remapped_rows.uncorrectable,remapped_rows.failure --format=csv,noheader,nounits 2>/dev/null || true)
apps=$(nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory --format=csv,noheader,nounits 2>/dev/null || true)
nvidia-smi dmon --gpm-metrics 1,2,3,5,10 -c 1 2>/dev/null || echo "(nvidia-smi dmon --gpm-metrics not available)"
value() { echo "$probe" | awk -F, -v i="$1" -v k="$2" '$1==i && $2==k {print $3}'; }
trim() { echo "$1" | sed 's/^ *//;s/ *$//'; }
supported() { [ -n "$1" ] && [ "${1#ERR}" = "$1" ] && [ "$2" != "[N/A]" ] && [ "$2" != "N/A" ]; }
compare() { # index name ours theirs tolerance kind(abs|rel|exact|range)
  local ok
  case "$6" in
    exact) [ "$3" = "$4" ] && ok=1 || ok=0 ;;
    range) ok=$(awk -v a="$3" -v lo="$4" -v hi="$5" 'BEGIN{print (a>=lo && (hi=="" || a<=hi))?1:0}') ;;
    *) ok=$(awk -v a="$3" -v b="$4" -v t="$5" -v k="$6" 'BEGIN{d=a-b; if(d<0)d=-d; lim=(k=="rel")?t*(b<0?-b:b):t; print (d<=lim)?1:0}') ;;
  esac
  printf '%s %-22s ours=%-22s smi=%-22s %s\n' "$1" "$2" "$3" "$4" "$([ "$ok" = 1 ] && echo OK || echo MISMATCH)"
}
nvlink_kib() { # sum of every "Data Tx/Rx: N KiB" line of `nvidia-smi nvlink -gt d` for one GPU
  nvidia-smi nvlink -gt d -i "$1" 2>/dev/null | awk '/Data (Tx|Rx)/ {for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i} END{print s+0}'
}
checks() {
  driver=$(echo "$probe" | awk -F, '$1=="driver"{print $2}')
  echo "$smi" | while IFS=',' read -r idx uuid bus name drv sm mem temp power gutil mutil used free sbe dbe mtemp; do
    idx=$(trim "$idx"); uuid=$(trim "$uuid")
    compare "$idx" uuid "$(value "$idx" uuid)" "$uuid" 0 exact
    compare "$idx" pci_bus_id "$(value "$idx" pci_bus_id)" "$(trim "$bus")" 0 exact
    compare "$idx" name "$(value "$idx" name)" "$(trim "$name")" 0 exact
    compare "$idx" driver "$driver" "$(trim "$drv")" 0 exact
    compare "$idx" sm_clock "$(value "$idx" SM_CLOCK)" "$(trim "$sm")" 0.10 rel
    compare "$idx" mem_clock "$(value "$idx" MEM_CLOCK)" "$(trim "$mem")" 0.10 rel
    compare "$idx" gpu_temp "$(value "$idx" GPU_TEMP)" "$(trim "$temp")" 3 abs
    ! supported "$(value "$idx" MEMORY_TEMP)" "$(trim "$mtemp")" \
      || compare "$idx" memory_temp "$(value "$idx" MEMORY_TEMP)" "$(trim "$mtemp")" 3 abs
    compare "$idx" power "$(value "$idx" POWER_USAGE_MILLIWATTS)" "$(trim "$power")" 0.15 rel
    compare "$idx" gpu_util "$(value "$idx" GPU_UTIL)" "$(trim "$gutil")" 15 abs
    compare "$idx" mem_util "$(value "$idx" MEM_COPY_UTIL)" "$(trim "$mutil")" 15 abs
    compare "$idx" fb_used "$(value "$idx" FB_USED_BYTES)" "$(trim "$used")" 64 abs
    compare "$idx" fb_free "$(value "$idx" FB_FREE_BYTES)" "$(trim "$free")" 64 abs
    [ "$(trim "$sbe")" = "[N/A]" ] || compare "$idx" ecc_sbe_vol "$(value "$idx" ECC_SBE_VOL_TOTAL)" "$(trim "$sbe")" 0 abs
    [ "$(trim "$dbe")" = "[N/A]" ] || compare "$idx" ecc_dbe_vol "$(value "$idx" ECC_DBE_VOL_TOTAL)" "$(trim "$dbe")" 0 abs
    row=$(echo "$rows" | awk -F', *' -v u="$uuid" '$1==u')
    if [ -n "$row" ] && supported "$(value "$idx" CORRECTABLE_REMAPPED_ROWS)" x; then
      IFS=',' read -r _ cor unc fail <<<"$row"
      compare "$idx" remapped_correctable "$(value "$idx" CORRECTABLE_REMAPPED_ROWS)" "$(trim "$cor")" 0 abs
      compare "$idx" remapped_uncorrectable "$(value "$idx" UNCORRECTABLE_REMAPPED_ROWS)" "$(trim "$unc")" 0 abs
      [ "$(trim "$fail")" = "Yes" ] && f=1 || f=0
      compare "$idx" row_remap_failure "$(value "$idx" ROW_REMAP_FAILURE)" "$f" 0 abs
    fi
    if supported "$(value "$idx" NVLINK_BANDWIDTH_TOTAL)" x; then
      compare "$idx" nvlink_data_kib "$(value "$idx" NVLINK_BANDWIDTH_TOTAL)" "$(nvlink_kib "$idx")" 0.05 rel
    fi
    echo "$apps" | awk -F', *' -v u="$uuid" '$1==u {print $2, $3}' | while read -r pid mib; do
      ours=$(echo "$probe" | awk -F, -v i="$idx" -v p="$pid" '$1==i && $2=="process" && $3==p {s+=$4} END{print s+0}')
      compare "$idx" "process_$pid" "$ours" "$mib" 64 abs
    done
    echo "$probe" | awk -F, -v i="$idx" '$1==i && $2 ~ /^gpm_/ && $3 !~ /^ERR/ {print $2, $3}' | while read -r key v; do
      case "$key" in *PCIE*) compare "$idx" "$key" "$v" 0 "" range ;; *) compare "$idx" "$key" "$v" 0 1 range ;; esac
    done
  done
}
# Collected first: grep -q stopping at the first MISMATCH would cut a pipeline short (and hide its status).
report=$(checks)
echo "$report"
if grep -q MISMATCH <<<"$report"; then exit 1; fi
