#!/usr/bin/env bash
# Stand-in for neuron-monitor: each start does what the next line of the script in $1 says, with ECC count $run.
# Usage: fake-neuron-monitor.sh STATE_DIR -c CONFIG
state="$1"; shift
[[ "$1" == "-c" && -s "$2" ]] || { echo "expected -c CONFIG" >&2; exit 64; }
cp "$2" "$state/config.json"
run=$(( $(cat "$state/runs" 2>/dev/null || echo 0) + 1 ))
echo "$run" > "$state/runs"
report() {
  printf '{"neuron_runtime_data":[{"neuron_runtime_tag":"7","error":"","report":{"execution_stats":{"error":"","execution_summary":{"completed":%d}}}}],' "$1"
  printf '"system_data":{"neuron_hw_counters":{"error":"","neuron_devices":[{"neuron_device_index":0,"mem_ecc_corrected":%d}]}},' "$1"
  printf '"instance_info":{"instance_id":"i-1","error":""}}\n'
}
case "$run" in
  1) echo "starting up" >&2; echo 'garbage {{{'; report 1; printf '{"truncated":'; exit 1 ;;
  2) report 2; exec sleep 600 ;;
  *) report 4; echo '{"neuron_runtime_data":[{"neuron_runtime_tag":"7","error":"runtime gone"}]}'; exec sleep 600 ;;
esac
