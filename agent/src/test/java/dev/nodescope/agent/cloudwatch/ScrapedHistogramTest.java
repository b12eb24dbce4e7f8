package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Datum;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ScrapedHistogramTest {

  @Test
  void bucketsAreGatheredPerSeriesAndTheCountStandsInForAMissingInfBucket() {
    String text =
        """
        # TYPE rpc_seconds histogram
        rpc_seconds_bucket{method="get",le="0.5"} 3
        rpc_seconds_bucket{method="get",le="1"} 4
        rpc_seconds_count{method="get"} 6
        rpc_seconds_sum{method="get"} 7.5
        rpc_seconds_bucket{method="put",le="0.5"} 1
        rpc_seconds_bucket{method="put",le="+Inf"} 2
        rpc_seconds_bucket{method="bad",le="fast"} 1
        rpc_seconds_bucket{method="bad",le="+Inf"} 1
        # TYPE rpc_inflight gauge
        rpc_inflight_bucket{le="1"} 1
        """;
    List<ScrapedHistogram> histograms =
        ScrapedHistogram.assemble(TextFormatParser.parse(text).samples());

    assertThat(histograms)
        .containsExactlyInAnyOrder(
            new ScrapedHistogram(
                "rpc_seconds",
                Map.of("method", "get"),
                new TreeMap<>(Map.of(0.5, 3.0, 1.0, 4.0, Double.POSITIVE_INFINITY, 6.0))),
            new ScrapedHistogram(
                "rpc_seconds",
                Map.of("method", "put"),
                new TreeMap<>(Map.of(0.5, 1.0, Double.POSITIVE_INFINITY, 2.0))));
  }

  /**
   * 200 buckets with one observation each: more values than one datum may carry (150), so two data
   * points.
   */
  @Test
  void aDistributionOfMoreThan150ValuesIsSplitAcrossDataPoints() {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (int i = 1; i <= 200; i++) {
      buckets.put((double) i, (double) i);
    }
    buckets.put(Double.POSITIVE_INFINITY, 200.0);
    DeclaredMetrics declared =
        new DeclaredMetrics(
            List.of(
                new Declarations.Declaration(
                    "size", "size", "Bytes", List.of(List.of("ClusterName")))));

    List<Datum> data =
        declared.data(
            List.of(),
            List.of(new ScrapedHistogram("size", Map.of("ClusterName", "c1"), buckets)),
            0);

    assertThat(data).hasSize(2);
    assertThat(data.get(0).distribution().values()).hasSize(150).startsWith(1.0).endsWith(150.0);
    assertThat(data.get(1).distribution().values()).hasSize(50).startsWith(151.0).endsWith(200.0);
    assertThat(data).flatExtracting(d -> d.distribution().counts()).containsOnly(1.0);
    assertThat(data)
        .allSatisfy(d -> assertThat(d.dimensions()).isEqualTo(Map.of("ClusterName", "c1")));
    assertThat(MetricDatumBatcher.batch(data).rejected()).isEmpty();
    // The same reading again: no observation in the interval, no data point.
    assertThat(
            declared.data(
                List.of(),
                List.of(new ScrapedHistogram("size", Map.of("ClusterName", "c1"), buckets)),
                60_000))
        .isEmpty();
  }
}
