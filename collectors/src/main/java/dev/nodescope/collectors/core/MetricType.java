package dev.nodescope.collectors.core;

/** The kinds of value the agent exposes; histograms are not needed by any source yet. */
public enum MetricType {
  GAUGE,
  /** Cumulative and never decreasing for a given label set while that series lives. */
  COUNTER,
  /**
   * Always 1; the labels carry the information (OpenMetrics info type, exposed as {@code <name>}).
   */
  INFO
}
