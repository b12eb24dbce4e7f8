#!/usr/bin/env bash
# Runs the agent's NVML reading once (NvmlProbe) and compares each value nvidia-smi also reports.
# Usage: scripts/nvml-vs-nvidia-smi.sh JAVA CLASSPATH
# Tolerances: identity/driver/ECC exact; clocks ±10%; temperature ±3 °C; power ±15%; utilization ±15 points;
# framebuffer used/free ±64 MiB (the two reads are not simultaneous).
set -euo pipefail
java=${1:-java}; classpath=${2:?classpath}
probe=$("$java" -cp "$classpath" dev.nodescope.collectors.nvidia.NvmlProbe)
echo "$probe"
smi=$(nvidia-smi --query-gpu=index,uuid,pci.bus_id,name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw,utilization.gpu,utilization.memory,memory.used,memory.free,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total --format=csv,noheader,nounits)
echo "$smi"
failures=0
value() { echo "$probe" | awk -F, -v i="$1" -v k="$2" '$1==i && $2==k {print $3}'; }
compare() { # index name ours theirs tolerance kind(abs|rel|exact)
  local ok
  if [ "$6" = exact ]; then [ "$3" = "$4" ] && ok=1 || ok=0
  else ok=$(awk -v a="$3" -v b="$4" -v t="$5" -v k="$6" 'BEGIN{d=a-b; if(d<0)d=-d; lim=(k=="rel")?t*(b<0?-b:b):t; print (d<=lim)?1:0}'); fi
  printf '%s %-12s ours=%-22s smi=%-22s %s\n' "$1" "$2" "$3" "$4" "$([ "$ok" = 1 ] && echo OK || echo MISMATCH)"
  [ "$ok" = 1 ] || failures=$((failures+1))
}
driver=$(echo "$probe" | awk -F, '$1=="driver"{print $2}')
echo "$smi" | while IFS=',' read -r idx uuid bus name drv sm mem temp power gutil mutil used free sbe dbe; do
  trim() { echo "$1" | sed 's/^ *//;s/ *$//'; }
  idx=$(trim "$idx")
  compare "$idx" uuid "$(value "$idx" uuid)" "$(trim "$uuid")" 0 exact
  compare "$idx" pci_bus_id "$(value "$idx" pci_bus_id)" "$(trim "$bus")" 0 exact
  compare "$idx" name "$(value "$idx" name)" "$(trim "$name")" 0 exact
  compare "$idx" driver "$driver" "$(trim "$drv")" 0 exact
  compare "$idx" sm_clock "$(value "$idx" SM_CLOCK)" "$(trim "$sm")" 0.10 rel
  compare "$idx" mem_clock "$(value "$idx" MEM_CLOCK)" "$(trim "$mem")" 0.10 rel
  compare "$idx" gpu_temp "$(value "$idx" GPU_TEMP)" "$(trim "$temp")" 3 abs
  compare "$idx" power "$(value "$idx" POWER_USAGE_MILLIWATTS)" "$(trim "$power")" 0.15 rel
  compare "$idx" gpu_util "$(value "$idx" GPU_UTIL)" "$(trim "$gutil")" 15 abs
  compare "$idx" mem_util "$(value "$idx" MEM_COPY_UTIL)" "$(trim "$mutil")" 15 abs
  compare "$idx" fb_used "$(value "$idx" FB_USED_BYTES)" "$(trim "$used")" 64 abs
  compare "$idx" fb_free "$(value "$idx" FB_FREE_BYTES)" "$(trim "$free")" 64 abs
  [ "$(trim "$sbe")" = "[N/A]" ] || compare "$idx" ecc_sbe_vol "$(value "$idx" ECC_SBE_VOL_TOTAL)" "$(trim "$sbe")" 0 abs
  [ "$(trim "$dbe")" = "[N/A]" ] || compare "$idx" ecc_dbe_vol "$(value "$idx" ECC_DBE_VOL_TOTAL)" "$(trim "$dbe")" 0 abs
  [ "$failures" = 0 ] || echo "FAILURES so far: $failures"
done | tee /dev/stderr | grep -q MISMATCH && exit 1 || exit 0
