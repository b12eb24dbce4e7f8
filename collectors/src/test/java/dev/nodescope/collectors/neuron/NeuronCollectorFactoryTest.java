package dev.nodescope.collectors.neuron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.TestFlags;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NeuronCollectorFactoryTest {
  private static CollectorContext context(Map<Flag<?>, Object> values) {
    return new CollectorContext(
        null, "node", TestFlags.with(values), null, null, PodResources.NONE, Clock.systemUTC());
  }

  @Test
  void noMonitorOnTheNodeIsSourceUnavailable() {
    assertThatThrownBy(
            () ->
                new NeuronCollectorFactory()
                    .create(
                        context(
                            Map.of(
                                NeuronCollectorFactory.COMMAND,
                                "/nonexistent/neuron-monitor --verbose"))))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("/nonexistent/neuron-monitor");
  }

  @Test
  void commandIsSplitAsAShellSplitsWords() {
    assertThat(ShellWords.split("  /opt/x/neuron-monitor  -v 'a b' \"c \\\"d\\\"\" e\\ f ''"))
        .containsExactly("/opt/x/neuron-monitor", "-v", "a b", "c \"d\"", "e f", "");
    assertThatThrownBy(() -> ShellWords.split("x 'y")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void configAsksForEveryGroupAtThePeriodByDefault() {
    assertThat(
            ReportSource.MonitorProcess.config(
                java.time.Duration.ofMillis(1500), NeuronCollectorFactory.GROUPS.defaultValue()))
        .isEqualTo(
            "{\"period\":\"1500ms\",\"neuron_runtimes\":[{\"tag_filter\":\".*\",\"metrics\":["
                + "{\"type\":\"neuroncore_counters\"},{\"type\":\"memory_used\"},{\"type\":\"neuron_runtime_vcpu_usage\"},"
                + "{\"type\":\"execution_stats\"}]}],\"system_metrics\":[{\"type\":\"vcpu_usage\"},"
                + "{\"type\":\"memory_info\"},{\"period\":\"1500ms\",\"type\":\"neuron_hw_counters\"}]}");
    assertThat(List.of(NeuronCollectorFactory.COMMAND.defaultValue()))
        .containsExactly("neuron-monitor");
  }

  @Test
  void groupsFlagNarrowsTheConfigAndRejectsUnknownGroups() {
    List<String> groups =
        NeuronCollectorFactory.GROUPS.parse("execution_stats, neuron_hw_counters,execution_stats");
    assertThat(groups).containsExactly("execution_stats", "neuron_hw_counters");
    assertThat(ReportSource.MonitorProcess.config(java.time.Duration.ofSeconds(5), groups))
        .isEqualTo(
            "{\"period\":\"5s\",\"neuron_runtimes\":[{\"tag_filter\":\".*\",\"metrics\":["
                + "{\"type\":\"execution_stats\"}]}],\"system_metrics\":[{\"period\":\"5s\",\"type\":\"neuron_hw_counters\"}]}");
    assertThatThrownBy(() -> NeuronCollectorFactory.GROUPS.parse("execution_stats,gpu"))
        .hasMessageContaining("'gpu' is not one of");
    assertThatThrownBy(() -> NeuronCollectorFactory.GROUPS.parse(" , "))
        .hasMessageContaining("at least one");
  }
}
