package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class EmfEventsTest {
  private static final List<List<String>> POD_DIMENSIONS =
      List.of(List.of("PodName", "Namespace", "ClusterName"), List.of("ClusterName"));
  private static final Map<String, Object> POD_FIELDS =
      Map.of("ClusterName", "c1", "NodeName", "n1", "PodName", "web \"1\"", "Namespace", "shop");

  @Test
  void podEventCarriesContainerInsightsFieldsAndAValidDirective() {
    List<String> events =
        EmfEvents.render(
            new PerformanceEvent(
                "Pod",
                POD_FIELDS,
                List.of(
                    new PerformanceEvent.Metric("pod_cpu_utilization", 12.5, "Percent"),
                    new PerformanceEvent.Metric("pod_number_of_container_restarts", 3, "Count"),
                    new PerformanceEvent.Metric("pod_memory_utilization", Double.NaN, "Percent")),
                POD_DIMENSIONS),
            1_700_000_000_123L);

    assertThat(events).hasSize(1);
    Map<String, Object> event = parse(events.get(0));
    assertThat(event)
        .containsEntry("Type", "Pod")
        .containsEntry("PodName", "web \"1\"")
        .containsEntry("Namespace", "shop")
        .containsEntry("ClusterName", "c1")
        .containsEntry("Timestamp", "1700000000123")
        .containsEntry("pod_cpu_utilization", 12.5)
        .containsEntry("pod_number_of_container_restarts", 3)
        .doesNotContainKey("pod_memory_utilization");
    EmfValidity.assertValid(event);
  }

  @Test
  void entitiesOverOneHundredMetricsAreSplitWithNothingLost() {
    List<PerformanceEvent.Metric> metrics = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      metrics.add(new PerformanceEvent.Metric("m" + i, i, "Count"));
    }
    List<String> events =
        EmfEvents.render(
            new PerformanceEvent(
                "Node", Map.of("ClusterName", "c1"), metrics, List.of(List.of("ClusterName"))),
            1L);

    assertThat(events).hasSize(3);
    Set<String> seen = new HashSet<>();
    for (String json : events) {
      Map<String, Object> event = parse(json);
      EmfValidity.assertValid(event);
      assertThat(event).containsEntry("ClusterName", "c1");
      seen.addAll(EmfValidity.metricNames(event));
    }
    assertThat(seen).hasSize(250);
  }

  @Test
  void dimensionSetsNamingMissingOrEmptyFieldsAreLeftOutOfTheDirective() {
    Map<String, Object> fields =
        new LinkedHashMap<>(Map.of("ClusterName", "c1", "NodeName", "n1", "Namespace", ""));
    List<String> events =
        EmfEvents.render(
            new PerformanceEvent(
                "Node",
                fields,
                List.of(new PerformanceEvent.Metric("node_cpu_utilization", 1, "Percent")),
                List.of(
                    List.of("NodeName", "InstanceId", "ClusterName"),
                    List.of("Namespace"),
                    List.of("ClusterName"))),
            1L);

    Map<String, Object> event = parse(events.get(0));
    EmfValidity.assertValid(event);
    assertThat(event.toString()).contains("Dimensions=[[ClusterName]]");
  }

  @Test
  void logOnlyEventsHaveNoDirectiveAndKeepEveryValue() {
    List<PerformanceEvent.Metric> metrics = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      metrics.add(new PerformanceEvent.Metric("m" + i, i, "Count"));
    }
    List<String> events =
        EmfEvents.render(
            new PerformanceEvent("PodFlow", Map.of("ClusterName", "c1"), metrics, List.of()), 1L);

    assertThat(events).hasSize(1);
    Map<String, Object> event = parse(events.get(0));
    assertThat(event)
        .doesNotContainKey("_aws")
        .containsEntry("Type", "PodFlow")
        .containsEntry("m149", 149);
  }

  private static Map<String, Object> parse(String json) {
    return new Yaml().load(json);
  }
}
