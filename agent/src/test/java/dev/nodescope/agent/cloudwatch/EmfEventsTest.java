package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class EmfEventsTest {
  private static final List<List<String>> POD_DIMENSIONS =
      List.of(List.of("PodName", "Namespace", "ClusterName"), List.of("ClusterName"));
  private static final Map<String, String> POD_FIELDS = Map.of("ClusterName", "c1", "NodeName", "n1",
      "PodName", "web \"1\"", "Namespace", "shop");

  @Test
  void podEventCarriesContainerInsightsFieldsAndAValidDirective() {
    List<String> events = EmfEvents.render("Pod", 1_700_000_000_123L, POD_FIELDS, POD_DIMENSIONS, List.of(
        new EmfEvents.Metric("pod_cpu_utilization", 12.5, "Percent"),
        new EmfEvents.Metric("pod_number_of_container_restarts", 3, "Count"),
        new EmfEvents.Metric("pod_memory_utilization", Double.NaN, "Percent")));

    assertThat(events).hasSize(1);
    Map<String, Object> event = parse(events.get(0));
    assertThat(event).containsEntry("Type", "Pod").containsEntry("PodName", "web \"1\"")
        .containsEntry("Namespace", "shop").containsEntry("ClusterName", "c1")
        .containsEntry("pod_cpu_utilization", 12.5).containsEntry("pod_number_of_container_restarts", 3)
        .doesNotContainKey("pod_memory_utilization");
    assertDirectiveValid(event);
  }

  @Test
  void entitiesOverOneHundredMetricsAreSplitWithNothingLost() {
    List<EmfEvents.Metric> metrics = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      metrics.add(new EmfEvents.Metric("m" + i, i, "Count"));
    }
    List<String> events = EmfEvents.render("Node", 1L, Map.of("ClusterName", "c1"), List.of(List.of("ClusterName")),
        metrics);

    assertThat(events).hasSize(3);
    Set<String> seen = new HashSet<>();
    for (String json : events) {
      Map<String, Object> event = parse(json);
      assertDirectiveValid(event);
      seen.addAll(metricNames(event));
    }
    assertThat(seen).hasSize(250);
  }

  @SuppressWarnings("unchecked")
  private static void assertDirectiveValid(Map<String, Object> event) {
    Map<String, Object> aws = (Map<String, Object>) event.get("_aws");
    assertThat(aws.get("Timestamp")).isInstanceOf(Number.class);
    List<Map<String, Object>> directives = (List<Map<String, Object>>) aws.get("CloudWatchMetrics");
    for (Map<String, Object> directive : directives) {
      assertThat(directive).containsEntry("Namespace", "ContainerInsights");
      for (List<String> set : (List<List<String>>) directive.get("Dimensions")) {
        assertThat(set).hasSizeLessThanOrEqualTo(30);
        set.forEach(dimension -> assertThat(event.get(dimension)).as(dimension).isInstanceOf(String.class));
      }
    }
    List<String> names = metricNames(event);
    assertThat(names).hasSizeLessThanOrEqualTo(EmfEvents.MAX_METRICS_PER_EVENT);
    names.forEach(name -> assertThat(event.get(name)).as(name).isInstanceOf(Number.class));
  }

  @SuppressWarnings("unchecked")
  private static List<String> metricNames(Map<String, Object> event) {
    Map<String, Object> aws = (Map<String, Object>) event.get("_aws");
    List<String> names = new ArrayList<>();
    for (Map<String, Object> directive : (List<Map<String, Object>>) aws.get("CloudWatchMetrics")) {
      for (Map<String, Object> metric : (List<Map<String, Object>>) directive.get("Metrics")) {
        names.add((String) metric.get("Name"));
      }
    }
    return names;
  }

  private static Map<String, Object> parse(String json) {
    return new Yaml().load(json);
  }
}
