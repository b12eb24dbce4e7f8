package dev.nodescope.collectors.core;

/**
 * How a collector's latest run went. {@code completedRuns} counts finished attempts of any outcome,
 * which is what readiness waits for.
 */
public record CollectorHealth(
    String collector,
    double lastDurationSeconds,
    boolean lastRunSucceeded,
    boolean sourceAvailable,
    long errors,
    long completedRuns) {

  public static CollectorHealth initial(String collector) {
    return new CollectorHealth(collector, 0, false, true, 0, 0);
  }
}
