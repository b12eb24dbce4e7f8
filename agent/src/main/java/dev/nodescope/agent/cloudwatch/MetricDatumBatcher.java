package dev.nodescope.agent.cloudwatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Groups PutMetricData data points into calls within the API limits: at most 1000 metrics and 1 MB
 * per call, at most 30 dimensions and 150 values per metric, finite values only. Points that can
 * never be sent are returned apart, so the caller counts and logs them instead of losing them
 * silently.
 */
public final class MetricDatumBatcher {
  static final int MAX_METRICS_PER_CALL = 1000;
  static final int MAX_DIMENSIONS = 30;
  static final int MAX_VALUES_PER_DATUM = 150;

  /** Leaves room for the request envelope under the 1 MB limit. */
  static final int MAX_CALL_BYTES = 1_000_000;

  /**
   * Several values of one metric in one interval, sent as a statistic set (Average, Minimum...
   * still work).
   */
  public record Statistics(double sampleCount, double sum, double minimum, double maximum) {
    boolean finite() {
      return Double.isFinite(sampleCount)
          && Double.isFinite(sum)
          && Double.isFinite(minimum)
          && Double.isFinite(maximum);
    }
  }

  /**
   * A distribution as PutMetricData's Values and Counts arrays: {@code counts[i]} observations of
   * about {@code values[i]}; CloudWatch computes percentiles from it, which a statistic set does
   * not allow.
   */
  public record Distribution(List<Double> values, List<Double> counts) {
    public Distribution {
      values = List.copyOf(values);
      counts = List.copyOf(counts);
      if (values.size() != counts.size() || values.size() > MAX_VALUES_PER_DATUM) {
        throw new IllegalArgumentException(
            "values and counts must pair up, at most " + MAX_VALUES_PER_DATUM);
      }
    }

    boolean finite() {
      return !values.isEmpty()
          && values.stream().allMatch(Double::isFinite)
          && counts.stream().allMatch(Double::isFinite);
    }
  }

  /**
   * One data point; dimensions are name → value. It carries a value, or a statistic set when {@code
   * statistics} is not null, or values and counts when {@code distribution} is not null.
   */
  public record Datum(
      String name,
      Map<String, String> dimensions,
      double value,
      Statistics statistics,
      Distribution distribution,
      String unit,
      long timestampMillis) {
    public Datum {
      dimensions = Map.copyOf(dimensions);
    }

    public Datum(
        String name,
        Map<String, String> dimensions,
        double value,
        String unit,
        long timestampMillis) {
      this(name, dimensions, value, null, null, unit, timestampMillis);
    }

    boolean sendable() {
      boolean finite;
      if (statistics != null) {
        finite = statistics.finite();
      } else if (distribution != null) {
        finite = distribution.finite();
      } else {
        finite = Double.isFinite(value);
      }
      return finite && dimensions.size() <= MAX_DIMENSIONS;
    }

    /**
     * A generous upper bound of the encoded size (CBOR is more compact than this UTF-8 text count).
     */
    int estimatedBytes() {
      int bytes =
          96
              + utf8(name)
              + utf8(unit)
              + (distribution == null ? 0 : 18 * distribution.values().size());
      for (Map.Entry<String, String> dimension : dimensions.entrySet()) {
        bytes += 16 + utf8(dimension.getKey()) + utf8(dimension.getValue());
      }
      return bytes;
    }

    private static int utf8(String text) {
      return text.getBytes(StandardCharsets.UTF_8).length;
    }
  }

  public record Batches(List<List<Datum>> calls, List<Datum> rejected) {}

  private MetricDatumBatcher() {}

  public static Batches batch(List<Datum> data) {
    List<List<Datum>> calls = new ArrayList<>();
    List<Datum> rejected = new ArrayList<>();
    List<Datum> current = new ArrayList<>();
    long currentBytes = 0;
    for (Datum datum : data) {
      if (!datum.sendable()) {
        rejected.add(datum);
        continue;
      }
      int bytes = datum.estimatedBytes();
      if (current.size() == MAX_METRICS_PER_CALL || currentBytes + bytes > MAX_CALL_BYTES) {
        calls.add(List.copyOf(current));
        current.clear();
        currentBytes = 0;
      }
      current.add(datum);
      currentBytes += bytes;
    }
    if (!current.isEmpty()) {
      calls.add(List.copyOf(current));
    }
    return new Batches(calls, rejected);
  }
}
