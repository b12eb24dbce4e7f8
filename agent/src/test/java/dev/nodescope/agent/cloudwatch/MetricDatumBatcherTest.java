package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricDatumBatcherTest {

  @Test
  void callsHoldAtMostOneThousandMetricsAndNothingValidIsLost() {
    List<MetricDatumBatcher.Datum> data = new ArrayList<>();
    for (int i = 0; i < 2_345; i++) {
      data.add(datum("m" + i, Map.of("NodeName", "n1"), i));
    }
    MetricDatumBatcher.Batches batches = MetricDatumBatcher.batch(data);

    assertThat(batches.calls()).extracting(List::size).containsExactly(1000, 1000, 345);
    assertThat(batches.calls().stream().flatMap(List::stream).toList()).isEqualTo(data);
    assertThat(batches.rejected()).isEmpty();
  }

  @Test
  void largeDataPointsSplitByBytes() {
    Map<String, String> wide = new HashMap<>();
    for (int d = 0; d < 30; d++) {
      wide.put("dimension" + d, "v".repeat(200));
    }
    List<MetricDatumBatcher.Datum> data = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      data.add(datum("m" + i, wide, i));
    }
    for (List<MetricDatumBatcher.Datum> call : MetricDatumBatcher.batch(data).calls()) {
      assertThat(call.stream().mapToLong(MetricDatumBatcher.Datum::estimatedBytes).sum())
          .isLessThanOrEqualTo(MetricDatumBatcher.MAX_CALL_BYTES);
    }
    assertThat(MetricDatumBatcher.batch(data).calls()).hasSizeGreaterThan(1);
  }

  @Test
  void nonFiniteValuesAndTooManyDimensionsAreRejectedApart() {
    Map<String, String> tooMany = new HashMap<>();
    for (int d = 0; d < 31; d++) {
      tooMany.put("d" + d, "v");
    }
    MetricDatumBatcher.Datum nan = datum("a", Map.of(), Double.NaN);
    MetricDatumBatcher.Datum inf = datum("b", Map.of(), Double.POSITIVE_INFINITY);
    MetricDatumBatcher.Datum wide = datum("c", tooMany, 1);
    MetricDatumBatcher.Datum good = datum("d", Map.of(), 1);

    MetricDatumBatcher.Batches batches = MetricDatumBatcher.batch(List.of(nan, inf, wide, good));

    assertThat(batches.rejected()).containsExactly(nan, inf, wide);
    assertThat(batches.calls()).containsExactly(List.of(good));
  }

  private static MetricDatumBatcher.Datum datum(
      String name, Map<String, String> dimensions, double value) {
    return new MetricDatumBatcher.Datum(name, dimensions, value, "Count", 1_700_000_000_000L);
  }
}
