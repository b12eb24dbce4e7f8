package dev.nodescope.collectors.core;

/** The kinds of value the agent exposes. */
public enum MetricType {
  GAUGE,
  /** Cumulative and never decreasing for a given label set while that series lives. */
  COUNTER,
  /**
   * Always 1; the labels carry the information (OpenMetrics info type, exposed as {@code <name>}).
   */
  INFO,
  /**
   * Cumulative counts of observations per bucket, with their sum and count (classic Prometheus
   * buckets); each sample carries a {@link Histogram}.
   */
  HISTOGRAM
}
