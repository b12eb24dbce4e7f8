package dev.nodescope.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthTracker.DeviceStatus;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.neuron.NeuronMetrics;
import dev.nodescope.collectors.nvidia.FakeGpuNode;
import dev.nodescope.collectors.nvidia.GpuReading;
import dev.nodescope.collectors.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default policy over the real nvidia collector on a fake NVML (XID sequences, a lost GPU, ECC
 * and row remapping) and over Neuron snapshots, with a clock the test moves.
 */
class HealthTrackerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final HealthTracker tracker = new HealthTracker(HealthPolicy.defaults());
  @TempDir Path proc;
  private FakeGpuNode gpus;

  @AfterEach
  void close() {
    if (gpus != null) {
      gpus.close();
    }
  }

  private FakeGpuNode gpus(int count) {
    gpus = new FakeGpuNode(count, proc, clock);
    return gpus;
  }

  /** Collects, evaluates, and returns the state of nvidia{index}. */
  private DeviceStatus step(int index) throws Exception {
    tracker.observe(HealthSignals.ofNvidia(gpus.collect()));
    return tracker.evaluate(clock.instant()).stream()
        .filter(status -> status.device().device().equals("nvidia" + index))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void xid13TripsOnlyAtThreeWithinTenMinutesAndRecoversAfterTenCleanMinutes() throws Exception {
    gpus(2);
    gpus.xid(0, 13);
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
    clock.advance(Duration.ofMinutes(6));
    gpus.xid(0, 13);
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
    clock.advance(Duration.ofMinutes(6)); // the first one is now 12 minutes old: two in the window
    gpus.xid(0, 13);
    assertThat(step(0).state()).as("2 within 10m").isEqualTo(Action.IGNORE);
    clock.advance(Duration.ofMinutes(1));
    gpus.xid(0, 13);
    DeviceStatus tripped = step(0);
    assertThat(tripped.state()).as("3 within 10m").isEqualTo(Action.DEGRADED);
    assertThat(tripped.tripped()).containsOnlyKeys("xid_13");
    assertThat(tripped.events()).containsEntry("xid_13", 4L);
    assertThat(step(1).state()).as("the other GPU").isEqualTo(Action.IGNORE);

    clock.advance(Duration.ofMinutes(9).plusSeconds(59));
    assertThat(step(0).state()).isEqualTo(Action.DEGRADED);
    clock.advance(Duration.ofSeconds(1));
    assertThat(step(0).state()).as("10 clean minutes").isEqualTo(Action.IGNORE);
  }

  @Test
  void fatalXidsHoldForTheirOwnRecovery() throws Exception {
    gpus(1);
    gpus.xid(0, 79);
    gpus.xid(0, 45); // ignored, but counted
    DeviceStatus status = step(0);
    assertThat(status.state()).isEqualTo(Action.FATAL);
    assertThat(status.events()).containsEntry("xid_79", 1L).containsEntry("xid_45", 1L);
    clock.advance(Duration.ofMinutes(29));
    assertThat(step(0).state()).isEqualTo(Action.FATAL);
    clock.advance(Duration.ofMinutes(1));
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
  }

  @Test
  void aLostGpuStaysFailedWhileNvmlSaysSoAndRecoversTenMinutesAfter() throws Exception {
    gpus(2);
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
    gpus.lost(0, true);
    assertThat(step(0).tripped()).containsOnlyKeys("gpu_lost");
    clock.advance(Duration.ofHours(2));
    DeviceStatus stillLost = step(0);
    assertThat(stillLost.state()).as("held, not timed out").isEqualTo(Action.FATAL);
    assertThat(stillLost.events()).as("one onset").containsEntry("gpu_lost", 1L);
    gpus.lost(0, false);
    clock.advance(Duration.ofMinutes(9));
    assertThat(step(0).state()).isEqualTo(Action.FATAL);
    clock.advance(Duration.ofMinutes(1));
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
    assertThat(step(1).state()).isEqualTo(Action.IGNORE);
  }

  @Test
  void uncorrectableEccCountsFromTheFirstValueAndRowRemappingHoldsWhileSet() throws Exception {
    gpus(1);
    gpus.reading(0, GpuReading.ECC_DBE_VOL_TOTAL, 4); // errors from before the agent: a baseline
    assertThat(step(0).state()).isEqualTo(Action.IGNORE);
    gpus.reading(0, GpuReading.ECC_DBE_VOL_TOTAL, 5);
    gpus.reading(0, GpuReading.ROW_REMAP_PENDING, 1);
    DeviceStatus status = step(0);
    assertThat(status.tripped())
        .containsEntry("ecc_uncorrectable", Action.FATAL)
        .containsEntry("row_remap_pending", Action.DEGRADED);
    assertThat(status.events())
        .containsEntry("ecc_uncorrectable", 1L)
        .containsEntry("row_remap_pending", 1L);
    clock.advance(Duration.ofMinutes(10));
    assertThat(step(0).tripped()).containsOnlyKeys("row_remap_pending");
    gpus.reading(0, GpuReading.ROW_REMAP_PENDING, 0);
    gpus.reading(0, GpuReading.ROW_REMAP_FAILURE, 1);
    assertThat(step(0).tripped()).containsEntry("row_remap_failure", Action.FATAL);
  }

  @Test
  void aDeviceFlappingFasterThanItsRecoveryChangesStateOnce() throws Exception {
    gpus(1);
    List<Action> states = new ArrayList<>();
    for (int flap = 0; flap < 12; flap++) {
      gpus.lost(0, flap % 2 == 0); // lost for 4 minutes, back for 4 minutes, again and again
      states.add(step(0).state());
      clock.advance(Duration.ofMinutes(4));
    }
    assertThat(states).containsOnly(Action.FATAL);
    gpus.lost(0, false);
    for (int minute = 0; minute < 12; minute++) {
      states.add(step(0).state());
      clock.advance(Duration.ofMinutes(1));
    }
    List<Action> changes = new ArrayList<>();
    for (Action state : states) {
      if (changes.isEmpty() || changes.get(changes.size() - 1) != state) {
        changes.add(state);
      }
    }
    assertThat(changes).containsExactly(Action.FATAL, Action.IGNORE);
    assertThat(Collections.frequency(states, Action.IGNORE)).isPositive();
  }

  @Test
  void neuronUncorrectedEccFailsTheDeviceCorrectedOnesAreOnlyCounted() {
    SnapshotBuilder first = neuronSnapshot(0, 3);
    tracker.observe(HealthSignals.ofNeuron(first.build(clock)));
    assertThat(tracker.evaluate(clock.instant()))
        .extracting(DeviceStatus::state)
        .containsExactly(Action.IGNORE, Action.IGNORE);
    clock.advance(Duration.ofSeconds(5));
    tracker.observe(HealthSignals.ofNeuron(neuronSnapshot(1, 3).build(clock)));
    List<DeviceStatus> statuses = tracker.evaluate(clock.instant());
    assertThat(statuses.get(0).device()).isEqualTo(new DeviceKey("neuron0", "neuron"));
    assertThat(statuses.get(0).state()).isEqualTo(Action.FATAL);
    assertThat(statuses.get(0).events())
        .containsEntry("neuron_sram_ecc_uncorrected", 1L)
        .containsEntry("neuron_mem_ecc_corrected", 3L);
    assertThat(statuses.get(1).state()).isEqualTo(Action.IGNORE);
  }

  /** Two Neuron devices; device 0 with the given uncorrected SRAM and corrected memory counts. */
  private static SnapshotBuilder neuronSnapshot(int uncorrected, int corrected) {
    SnapshotBuilder out = new SnapshotBuilder("neuron", NeuronMetrics.ALL);
    List<String> instance = Collections.nCopies(7, "");
    out.add(NeuronMetrics.HARDWARE_INFO, 1, with(instance, "2", "2"));
    for (String device : List.of("0", "1")) {
      boolean first = device.equals("0");
      out.add(ecc(), first ? uncorrected : 0, eccLabels(instance, "sram_ecc_uncorrected", device));
      out.add(ecc(), first ? corrected : 0, eccLabels(instance, "mem_ecc_corrected", device));
    }
    return out;
  }

  private static dev.nodescope.collectors.core.MetricDescriptor ecc() {
    return NeuronMetrics.ECC_EVENTS;
  }

  private static List<String> eccLabels(List<String> instance, String type, String device) {
    return with(instance, type, device, "", "", "");
  }

  private static List<String> with(List<String> labels, String... more) {
    List<String> all = new ArrayList<>(labels);
    all.addAll(List.of(more));
    return all;
  }
}
