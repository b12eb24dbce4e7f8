package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders one Container Insights performance entity as Embedded Metric Format events. EMF allows at most 100
 * metric definitions per directive; older agents wrote larger events and CloudWatch dropped them, so an entity
 * with more metrics is split into several events that repeat its identifying fields. Non-finite values are left
 * out (EMF rejects them).
 */
public final class EmfEvents {
  static final int MAX_METRICS_PER_EVENT = 100;
  static final String NAMESPACE = "ContainerInsights";

  /** A metric value with its CloudWatch unit name (e.g. "Percent", "Bytes/Second", "Count"). */
  public record Metric(String name, double value, String unit) {}

  private EmfEvents() {}

  public static List<String> render(String type, long timestampMillis, Map<String, String> fields,
      List<List<String>> dimensionSets, List<Metric> metrics) {
    List<Metric> finite = metrics.stream().filter(m -> Double.isFinite(m.value())).toList();
    if (finite.isEmpty()) {
      return List.of(renderOne(type, timestampMillis, fields, dimensionSets, finite));
    }
    List<String> events = new ArrayList<>();
    for (int start = 0; start < finite.size(); start += MAX_METRICS_PER_EVENT) {
      List<Metric> chunk = finite.subList(start, Math.min(finite.size(), start + MAX_METRICS_PER_EVENT));
      events.add(renderOne(type, timestampMillis, fields, dimensionSets, chunk));
    }
    return events;
  }

  private static String renderOne(String type, long timestampMillis, Map<String, String> fields,
      List<List<String>> dimensionSets, List<Metric> metrics) {
    List<Map<String, Object>> definitions = new ArrayList<>();
    for (Metric metric : metrics) {
      definitions.add(Map.of("Name", metric.name(), "Unit", metric.unit()));
    }
    Map<String, Object> directive = new LinkedHashMap<>();
    directive.put("Timestamp", timestampMillis);
    directive.put("CloudWatchMetrics",
        List.of(Map.of("Namespace", NAMESPACE, "Dimensions", dimensionSets, "Metrics", definitions)));
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("_aws", directive);
    event.put("Type", type);
    event.put("Timestamp", Long.toString(timestampMillis));
    event.put("Version", "0");
    event.putAll(fields);
    for (Metric metric : metrics) {
      event.put(metric.name(), metric.value());
    }
    return Json.render(event);
  }
}
