package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void selectorsFunctionsAndAggregations() {
    assertThat(
            PromQl.metricNames(
                "sum by (namespace, pod) (rate(nodescope_flow_bytes_total{direction=\"tx\"}[5m]))"))
        .containsExactly("nodescope_flow_bytes_total");
  }

  @Test
  void binaryOperationsWithMatchingKeywordsAndOffsets() {
    assertThat(
            PromQl.metricNames(
                "a / on (instance) group_left (owner_name) b > 2 * c offset 1d and bool d"))
        .containsExactly("a", "b", "c", "d");
  }

  @Test
  void labelValuesAndRegexesAreNotMetrics() {
    assertThat(
            PromQl.metricNames(
                "label_replace(up{job=\"x\", a=~\"{b}|[c]\"}, \"dst\", \"$1\", \"src\", \"(.*)\")"
                    + " > 1e6 unless count without (le) (ns:rule:sum)"))
        .containsExactly("ns:rule:sum", "up");
  }

  @Test
  void aggregationClauseAfterTheArgument() {
    assertThat(PromQl.metricNames("sum(rate(x_total[1m])) by (job) / max(y) without (instance)"))
        .containsExactly("x_total", "y");
  }

  @Test
  void bareSelectorHasNoName() {
    assertThat(PromQl.metricNames("count by (__name__) ({job=\"nodescope\"})")).isEmpty();
  }
}
