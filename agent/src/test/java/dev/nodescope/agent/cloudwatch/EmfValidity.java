package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the EMF specification requires of an event's directive, checked on the parsed JSON. */
final class EmfValidity {
  private EmfValidity() {}

  /**
   * Every dimension names an existing string field, every metric an existing number; limits held.
   */
  @SuppressWarnings("unchecked")
  static void assertValid(Map<String, Object> event) {
    Map<String, Object> aws = (Map<String, Object>) event.get("_aws");
    assertThat(aws).as("directive of %s", event).isNotNull();
    assertThat(aws.get("Timestamp")).isInstanceOf(Number.class);
    for (Map<String, Object> directive : (List<Map<String, Object>>) aws.get("CloudWatchMetrics")) {
      assertThat(directive).containsEntry("Namespace", "ContainerInsights");
      List<List<String>> sets = (List<List<String>>) directive.get("Dimensions");
      assertThat(sets).isNotEmpty();
      for (List<String> set : sets) {
        assertThat(set).hasSizeLessThanOrEqualTo(30);
        set.forEach(
            dimension ->
                assertThat(event.get(dimension))
                    .as("%s in %s", dimension, event)
                    .isInstanceOf(String.class)
                    .asString()
                    .isNotEmpty());
      }
    }
    List<String> names = metricNames(event);
    assertThat(names)
        .hasSizeLessThanOrEqualTo(EmfEvents.MAX_METRICS_PER_EVENT)
        .doesNotHaveDuplicates();
    names.forEach(name -> assertThat(event.get(name)).as(name).isInstanceOf(Number.class));
  }

  @SuppressWarnings("unchecked")
  static List<String> metricNames(Map<String, Object> event) {
    List<String> names = new ArrayList<>();
    Map<String, Object> aws = (Map<String, Object>) event.get("_aws");
    if (aws == null) {
      return names;
    }
    for (Map<String, Object> directive : (List<Map<String, Object>>) aws.get("CloudWatchMetrics")) {
      for (Map<String, Object> metric : (List<Map<String, Object>>) directive.get("Metrics")) {
        names.add((String) metric.get("Name"));
      }
    }
    return names;
  }
}
