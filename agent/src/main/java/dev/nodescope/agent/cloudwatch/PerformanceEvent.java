package dev.nodescope.agent.cloudwatch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entity in one interval, as Container Insights writes it: a {@code Type}, identifying fields
 * (strings, or nested objects such as {@code kubernetes}), metric values, and the dimension sets
 * under which the metrics are also published in namespace {@code ContainerInsights}. No dimension
 * sets makes a log-only event: its values are for Logs Insights and create no CloudWatch metric
 * (flows, scraped series: their cardinality would be billed).
 */
public record PerformanceEvent(
    String type,
    Map<String, Object> fields,
    List<Metric> metrics,
    List<List<String>> dimensionSets) {

  /**
   * A metric value with its CloudWatch unit name (e.g. "Percent", "Bytes/Second", "Count"); a
   * metric not {@code published} is a field of the event only, left out of the EMF directive, so it
   * creates no CloudWatch metric (billed per month) even in an event whose other metrics do.
   */
  public record Metric(String name, double value, String unit, boolean published) {
    public Metric(String name, double value, String unit) {
      this(name, value, unit, true);
    }
  }

  public PerformanceEvent {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    metrics = List.copyOf(metrics);
    dimensionSets = dimensionSets.stream().map(List::copyOf).toList();
  }

  public boolean logOnly() {
    return dimensionSets.isEmpty();
  }

  /** A string field (a possible dimension value), or null. */
  public String stringField(String name) {
    return fields.get(name) instanceof String value ? value : null;
  }
}
