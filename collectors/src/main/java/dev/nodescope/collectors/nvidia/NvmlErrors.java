package dev.nodescope.collectors.nvidia;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Failed NVML calls per GPU and function since start ({@code nodescope_gpu_nvml_errors_total}),
 * counted by the collection and the XID thread alike. It also remembers which failures were seen,
 * so each is logged once.
 */
final class NvmlErrors {
  /**
   * The gpu label of a call that concerns no single GPU (driver version, device count, the event
   * set).
   */
  static final String NO_GPU = "";

  private final Map<List<String>, LongAdder> counts = new ConcurrentHashMap<>();
  private final Set<List<String>> seen = ConcurrentHashMap.newKeySet();

  /** Counts the failure; true the first time this GPU, function and return code fail together. */
  boolean record(String gpu, NvmlException failure) {
    counts.computeIfAbsent(List.of(gpu, failure.function()), key -> new LongAdder()).increment();
    return seen.add(List.of(gpu, failure.function(), Integer.toString(failure.returnCode())));
  }

  /** [gpu, function] to count, in a stable order. */
  Map<List<String>, Long> totals() {
    Map<List<String>, Long> totals =
        new TreeMap<>((a, b) -> String.join("\0", a).compareTo(String.join("\0", b)));
    counts.forEach((key, count) -> totals.put(key, count.sum()));
    return totals;
  }
}
