package dev.nodescope.collectors.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotBuilderTest {
  private static final MetricDescriptor BYTES =
      MetricDescriptor.counter("test_bytes_total", "Bytes.", "device");
  private static final MetricDescriptor LOAD = MetricDescriptor.gauge("test_load", "Load.");
  private static final MetricDescriptor INFO =
      MetricDescriptor.info("test_info", "Info.", "version");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  private final SnapshotBuilder builder = new SnapshotBuilder("test", List.of(BYTES, LOAD, INFO));

  @Test
  void buildsAnImmutableSnapshotOfTheDeclaredFamilies() {
    builder.add(BYTES, 10, "eth0").add(BYTES, 20, "lo").add(LOAD, 0.5).add(INFO, 1, "1.2.3");
    List<String> labels = new ArrayList<>(List.of("eth1"));
    builder.add(BYTES, 30, labels);
    labels.set(0, "changed");

    Snapshot snapshot = builder.build(CLOCK);

    assertThat(snapshot.collector()).isEqualTo("test");
    assertThat(snapshot.collectedAt()).isEqualTo(CLOCK.instant());
    assertThat(snapshot.family(BYTES).samples())
        .containsExactly(
            new Sample(List.of("eth0"), 10),
            new Sample(List.of("lo"), 20),
            new Sample(List.of("eth1"), 30));
    assertThat(snapshot.family(LOAD).samples()).containsExactly(new Sample(List.of(), 0.5));
    assertThat(snapshot.family(INFO).descriptor()).isSameAs(INFO);
    assertThatThrownBy(() -> snapshot.families().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    builder.add(LOAD, 9);
    assertThat(snapshot.family(LOAD).samples()).hasSize(1);
  }

  @Test
  void aFamilyWithoutSamplesThisRunIsEmptyNotMissing() {
    Snapshot snapshot = builder.add(LOAD, 1).build(CLOCK);

    assertThat(snapshot.families()).containsOnlyKeys("test_load");
    assertThat(snapshot.family(BYTES).samples()).isEmpty();
    assertThat(snapshot.family(BYTES).descriptor()).isSameAs(BYTES);
  }

  @Test
  void rejectsUndeclaredMetricsEvenUnderADeclaredName() {
    MetricDescriptor other = MetricDescriptor.gauge("test_other", "Other.");
    MetricDescriptor lookalike = MetricDescriptor.gauge("test_load", "A different help.");

    assertThatThrownBy(() -> builder.add(other, 1)).hasMessage("test did not declare test_other");
    assertThatThrownBy(() -> builder.add(lookalike, 1))
        .hasMessage("test did not declare test_load");
  }

  @Test
  void rejectsWrongLabelsAndImpossibleValues() {
    assertThatThrownBy(() -> builder.add(BYTES, 1))
        .hasMessageContaining("takes labels [device] but got []");
    assertThatThrownBy(() -> builder.add(LOAD, 1, "extra")).hasMessageContaining("takes labels []");
    assertThatThrownBy(() -> builder.add(BYTES, 1, (String) null))
        .hasMessageContaining("null label value");
    assertThatThrownBy(() -> builder.add(BYTES, Double.NaN, "eth0"))
        .hasMessageContaining("cannot be NaN");
    assertThatThrownBy(() -> builder.add(INFO, 2, "1.2.3")).hasMessageContaining("must be 1");
    builder.add(LOAD, Double.NaN);
    assertThat(builder.build(CLOCK).family(LOAD).samples().get(0).value()).isNaN();
  }

  @Test
  void aDuplicateSeriesIsDroppedAndReportedKeepingTheFirst() {
    builder
        .add(BYTES, 10, "eth0")
        .add(BYTES, 12, "eth0")
        .add(BYTES, 5, "eth1")
        .add(INFO, 1, "1")
        .add(INFO, 1, "1");

    Snapshot snapshot = builder.build(CLOCK);

    assertThat(snapshot.family(BYTES).samples())
        .containsExactly(new Sample(List.of("eth0"), 10), new Sample(List.of("eth1"), 5));
    assertThat(snapshot.family(INFO).samples()).hasSize(1);
    assertThat(builder.partialFailures())
        .containsExactly(
            "duplicate series test_bytes_total[device]=[eth0] dropped",
            "duplicate series test_info[version]=[1] dropped");
  }

  @Test
  void keepsPartialFailuresBesideTheSamples() {
    builder.add(LOAD, 1);
    builder.partialFailure("bad line");
    builder.partialFailure("unreadable file");

    assertThat(builder.partialFailures()).containsExactly("bad line", "unreadable file");
    assertThat(builder.names()).containsExactly("test_load");
  }
}
