# Functions the bench scripts share: `source bench/lib.sh` from the repository root.

# A loopback TCP port that is free right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time of process $1 so far (utime + stime), in clock ticks; comm has no spaces for these two fields.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# A scratch directory ($work) and a list of background processes ($pids, append each one started): on exit the
# processes are stopped and the directory removed, also when the script fails.
work_and_pids_cleaned_on_exit() {
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        rm -rf "$work"' EXIT
}
