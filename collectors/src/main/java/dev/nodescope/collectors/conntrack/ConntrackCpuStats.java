package dev.nodescope.collectors.conntrack;

/**
 * Per-CPU conntrack statistics from IPCTNL_MSG_CT_GET_STATS_CPU (0 where the kernel omits a field).
 */
public record ConntrackCpuStats(
    int cpu,
    long found,
    long invalid,
    long insert,
    long insertFailed,
    long drop,
    long earlyDrop,
    long searchRestart) {}
