package dev.nodescope.collectors.neuron;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeuronCollectorTest {
  @TempDir Path state;

  private static final List<String> ECC_DEVICE_0 =
      List.of("", "i-1", "", "", "", "", "", "mem_ecc_corrected", "0", "", "", "");

  private static double ecc(Snapshot snapshot) {
    var family = snapshot.families().get(NeuronMetrics.ECC_EVENTS.name());
    return family == null
        ? 0
        : family.samples().stream()
            .filter(s -> s.labelValues().equals(ECC_DEVICE_0))
            .mapToDouble(Sample::value)
            .sum();
  }

  @Test
  void survivesCrashesGarbageAndHangsAndKeepsCountersMonotonic() throws Exception {
    Path script = Path.of(getClass().getResource("/neuron/fake-neuron-monitor.sh").toURI());
    List<String> command = List.of("bash", script.toString(), state.toString());
    List<String> problems = new ArrayList<>();
    double lastEcc = 0;
    try (NeuronCollector collector =
        new NeuronCollector(
            ReportSource.command(command, Duration.ofSeconds(7), ReportSource.GROUPS),
            PodResources.NONE,
            Duration.ofSeconds(2))) {
      // Run 1 crashes after one report, run 2 hangs after one, run 3 reports 4: 1 + 2 + 4.
      for (int i = 0; i < 200 && ecc(last(collector, problems)) < 7; i++) {
        Snapshot snapshot = last(collector, problems);
        assertThat(ecc(snapshot)).isGreaterThanOrEqualTo(lastEcc);
        lastEcc = ecc(snapshot);
        Thread.sleep(100);
      }
      Snapshot snapshot = last(collector, problems);
      assertThat(ecc(snapshot)).isEqualTo(7.0);
      Thread.sleep(300);
      snapshot = last(collector, problems);
      var status = snapshot.families().get(NeuronMetrics.EXECUTION_STATUS.name()).samples();
      assertThat(status).extracting(Sample::value).containsExactly(7.0);
    }
    assertThat(Files.readString(state.resolve("runs")).trim()).isEqualTo("3");
    assertThat(Files.readString(state.resolve("config.json"), StandardCharsets.UTF_8))
        .contains("\"period\":\"7s\"")
        .contains("neuron_hw_counters")
        .contains("execution_stats");
    assertThat(problems).anyMatch(p -> p.startsWith("malformed neuron-monitor report skipped"));
    assertThat(problems).anyMatch(p -> p.startsWith("truncated neuron-monitor report"));
    assertThat(problems).anyMatch(p -> p.startsWith("no report from neuron-monitor for over 2 s"));
    assertThat(problems).anyMatch(p -> p.equals("runtime 7: runtime gone"));
  }

  @Test
  void followsReportsAppendedToAFile() throws Exception {
    Path reports = state.resolve("reports.jsonl");
    String line =
        "{\"system_data\":{\"neuron_hw_counters\":{\"error\":\"\",\"neuron_devices\":"
            + "[{\"neuron_device_index\":0,\"mem_ecc_corrected\":3}]}},\"instance_info\":{\"instance_id\":\"i-1\"}}\n";
    Files.writeString(reports, line);
    List<String> problems = new ArrayList<>();
    try (NeuronCollector collector =
        new NeuronCollector(ReportSource.file(reports), PodResources.NONE, Duration.ofMinutes(1))) {
      waitForReports(collector, 1);
      Files.writeString(reports, line, java.nio.file.StandardOpenOption.APPEND);
      waitForReports(collector, 2);
      assertThat(ecc(last(collector, problems))).isEqualTo(6.0);
    }
    assertThat(problems).isEmpty();
  }

  private static void waitForReports(NeuronCollector collector, long reports)
      throws InterruptedException {
    for (int i = 0; i < 100 && collector.reports() < reports; i++) {
      Thread.sleep(50);
    }
    assertThat(collector.reports()).isEqualTo(reports);
  }

  private static Snapshot last(NeuronCollector collector, List<String> problems) {
    SnapshotBuilder out = new SnapshotBuilder("neuron", NeuronMetrics.ALL);
    collector.collect(out);
    problems.addAll(out.partialFailures());
    return out.build(Clock.systemUTC());
  }
}
