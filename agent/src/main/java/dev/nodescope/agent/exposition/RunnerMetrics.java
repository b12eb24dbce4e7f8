package dev.nodescope.agent.exposition;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/**
 * The health of each collector's runs, in the node_exporter tradition ({@code
 * node_scrape_collector_*}), served from the runners' {@code CollectorHealth}.
 */
public final class RunnerMetrics {
  public static final MetricDescriptor DURATION =
      MetricDescriptor.gauge(
          "nodescope_collector_duration_seconds",
          "Duration of the collector's latest run, in seconds.",
          "collector");
  public static final MetricDescriptor SUCCESS =
      MetricDescriptor.gauge(
          "nodescope_collector_success",
          "1 if the collector's latest run succeeded (or its source is absent), 0 if it failed or overran its deadline.",
          "collector");
  public static final MetricDescriptor ERRORS =
      MetricDescriptor.counter(
          "nodescope_collector_errors_total",
          "Failed, timed-out or skipped collector runs since start.",
          "collector");
  public static final MetricDescriptor SOURCE_AVAILABLE =
      MetricDescriptor.gauge(
          "nodescope_collector_source_available",
          "1 if the collector's source exists on this node, 0 if it is absent (no GPU driver, no neuron-monitor...).",
          "collector");

  public static final List<MetricDescriptor> ALL =
      List.of(DURATION, SUCCESS, ERRORS, SOURCE_AVAILABLE);

  private RunnerMetrics() {}
}
