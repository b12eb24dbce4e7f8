package dev.nodescope.agent.exposition;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/** The agent's metrics about itself, in the node_exporter tradition. */
public final class SelfMetrics {
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
  public static final MetricDescriptor BUILD_INFO =
      MetricDescriptor.info(
          "nodescope_build_info",
          "The labels name the agent's version and revision and the Java runtime.",
          "version",
          "revision",
          "javaversion");

  public static final MetricDescriptor HTTP_REJECTED =
      MetricDescriptor.counter(
          "nodescope_http_requests_rejected_total",
          "Requests refused because the server was saturated: max_requests (a scrape past --web.max-requests, answered "
              + "503), workers_busy (a connection arriving while every worker thread was busy, closed unanswered).",
          "reason");
  public static final MetricDescriptor HTTP_TIMED_OUT =
      MetricDescriptor.counter(
          "nodescope_http_connections_timed_out_total",
          "Connections closed at a deadline while holding a worker: request (the request was not received in time), "
              + "response (the client did not read the response in time).",
          "phase");

  public static final List<MetricDescriptor> ALL =
      List.of(
          DURATION, SUCCESS, ERRORS, SOURCE_AVAILABLE, BUILD_INFO, HTTP_REJECTED, HTTP_TIMED_OUT);

  private SelfMetrics() {}
}
