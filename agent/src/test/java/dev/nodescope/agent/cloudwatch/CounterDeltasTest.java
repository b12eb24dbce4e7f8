package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CounterDeltasTest {
  private final CounterDeltas deltas = new CounterDeltas();
  private final CounterDeltas.SeriesKey rx =
      new CounterDeltas.SeriesKey("nodescope_pod_network_receive_bytes_total", Map.of("pod", "p"));

  @Test
  void deltasAcrossAResetSumToEverythingCounted() {
    // Counter counts 100, 250, then the process restarts and counts 40, then 90.
    double[] readings = {100, 250, 40, 90};
    double sent = 0;
    for (double reading : readings) {
      sent += deltas.delta(rx, reading);
    }
    assertThat(sent).isEqualTo(250 + 90);
  }

  @Test
  void firstIntervalIsSentWholeAndSeriesAreIndependent() {
    CounterDeltas.SeriesKey other = new CounterDeltas.SeriesKey(rx.name(), Map.of("pod", "q"));
    assertThat(deltas.delta(rx, 10)).isEqualTo(10);
    assertThat(deltas.delta(other, 5)).isEqualTo(5);
    assertThat(deltas.delta(rx, 15)).isEqualTo(5);
  }

  @Test
  void forgottenSeriesStartOverWhole() {
    deltas.delta(rx, 10);
    deltas.endInterval();
    deltas.endInterval();
    assertThat(deltas.delta(rx, 12)).isEqualTo(12);
  }
}
