package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders performance events as Embedded Metric Format JSON. EMF allows at most 100 metric
 * definitions per directive; older agents wrote larger events and CloudWatch dropped them, so an
 * entity with more metrics is split into several events that repeat its identifying fields.
 * Non-finite values are left out (EMF rejects them), and a dimension set naming a field the event
 * lacks (or an empty one) is left out of the directive, which would otherwise be invalid. Metrics
 * that are not published are fields only, outside the directive.
 */
public final class EmfEvents {
  static final int MAX_METRICS_PER_EVENT = 100;
  static final int MAX_DIMENSIONS_PER_SET = 30;
  public static final String NAMESPACE = "ContainerInsights";

  private EmfEvents() {}

  public static List<String> render(PerformanceEvent event, long timestampMillis) {
    List<PerformanceEvent.Metric> finite =
        event.metrics().stream().filter(m -> Double.isFinite(m.value())).toList();
    List<List<String>> dimensionSets =
        event.dimensionSets().stream()
            .filter(set -> set.size() <= MAX_DIMENSIONS_PER_SET)
            .filter(
                set ->
                    set.stream()
                        .allMatch(
                            name -> {
                              String value = event.stringField(name);
                              return value != null && !value.isEmpty();
                            }))
            .toList();
    boolean directive = !event.logOnly() && !dimensionSets.isEmpty();
    if (finite.size() <= MAX_METRICS_PER_EVENT || !directive) {
      return List.of(renderOne(event, timestampMillis, directive ? dimensionSets : null, finite));
    }
    List<String> events = new ArrayList<>();
    for (int start = 0; start < finite.size(); start += MAX_METRICS_PER_EVENT) {
      events.add(
          renderOne(
              event,
              timestampMillis,
              dimensionSets,
              finite.subList(start, Math.min(finite.size(), start + MAX_METRICS_PER_EVENT))));
    }
    return events;
  }

  private static String renderOne(
      PerformanceEvent source,
      long timestampMillis,
      List<List<String>> dimensionSets,
      List<PerformanceEvent.Metric> metrics) {
    Map<String, Object> event = new LinkedHashMap<>();
    List<Map<String, Object>> definitions = new ArrayList<>();
    for (PerformanceEvent.Metric metric : metrics) {
      if (metric.published()) {
        definitions.add(Map.of("Name", metric.name(), "Unit", metric.unit()));
      }
    }
    if (dimensionSets != null && !definitions.isEmpty()) {
      Map<String, Object> directive = new LinkedHashMap<>();
      directive.put("Timestamp", timestampMillis);
      directive.put(
          "CloudWatchMetrics",
          List.of(
              Map.of("Namespace", NAMESPACE, "Dimensions", dimensionSets, "Metrics", definitions)));
      event.put("_aws", directive);
    }
    event.put("Type", source.type());
    event.put("Timestamp", Long.toString(timestampMillis));
    event.put("Version", "0");
    event.putAll(source.fields());
    for (PerformanceEvent.Metric metric : metrics) {
      event.put(metric.name(), metric.value());
    }
    return Json.render(event);
  }
}
