package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.Declarations.Declaration;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Datum;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Distribution;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Statistics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Turns the interval's points into PutMetricData values for the declared metrics. Each dimension
 * set groups the series with the same values of its dimensions: counters send the sum of the
 * series' deltas (first interval whole, resets counted from zero), gauges one value, or a statistic
 * set when several series fall in a group. Scraped histograms send the interval's observations as
 * Values and Counts (see {@link #representative}), so that CloudWatch can compute percentiles; an
 * interval without observations sends nothing. CloudWatch refuses empty dimension values, so an
 * empty label is sent as "none".
 */
final class DeclaredMetrics {
  static final String EMPTY_VALUE = "none";

  private final Map<String, List<Declaration>> byMetric = new HashMap<>();
  private final CounterDeltas deltas = new CounterDeltas();
  private final HistogramDeltas histogramDeltas = new HistogramDeltas();

  DeclaredMetrics(List<Declaration> declarations) {
    declarations.forEach(d -> byMetric.computeIfAbsent(d.metric(), m -> new ArrayList<>()).add(d));
  }

  boolean declares(String metric) {
    return byMetric.containsKey(metric);
  }

  private static final class Group {
    private final boolean counter;
    private double count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    Group(boolean counter) {
      this.counter = counter;
    }

    void add(double value) {
      count++;
      sum += value;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }

  private record GroupKey(Declaration declaration, Map<String, String> dimensions) {}

  List<Datum> data(List<Point> points, List<ScrapedHistogram> histograms, long timestampMillis) {
    List<Datum> data = new ArrayList<>(values(points, timestampMillis));
    data.addAll(distributions(histograms, timestampMillis));
    return data;
  }

  private List<Datum> values(List<Point> points, long timestampMillis) {
    Map<GroupKey, Group> groups = new LinkedHashMap<>();
    for (Point point : points) {
      List<Declaration> declarations = byMetric.get(point.name());
      if (declarations == null) {
        continue;
      }
      double value =
          point.counter()
              ? deltas.delta(
                  new CounterDeltas.SeriesKey(point.name(), point.labels()), point.value())
              : point.value();
      if (Double.isNaN(value)) {
        continue;
      }
      for (Declaration declaration : declarations) {
        for (List<String> set : declaration.dimensionSets()) {
          Map<String, String> dimensions = dimensions(set, point.labels());
          if (dimensions != null) {
            groups
                .computeIfAbsent(
                    new GroupKey(declaration, dimensions), k -> new Group(point.counter()))
                .add(value);
          }
        }
      }
    }
    deltas.endInterval();
    List<Datum> data = new ArrayList<>(groups.size());
    groups.forEach(
        (key, group) -> {
          Declaration declaration = key.declaration();
          if (group.counter || group.count == 1) {
            data.add(
                new Datum(
                    declaration.name(),
                    key.dimensions(),
                    group.sum,
                    declaration.unit(),
                    timestampMillis));
          } else {
            data.add(
                new Datum(
                    declaration.name(),
                    key.dimensions(),
                    Double.NaN,
                    new Statistics(group.count, group.sum, group.min, group.max),
                    null,
                    declaration.unit(),
                    timestampMillis));
          }
        });
    return data;
  }

  private List<Datum> distributions(List<ScrapedHistogram> histograms, long timestampMillis) {
    Map<GroupKey, NavigableMap<Double, Double>> groups = new LinkedHashMap<>();
    for (ScrapedHistogram histogram : histograms) {
      List<Declaration> declarations = byMetric.get(histogram.name());
      if (declarations == null) {
        continue;
      }
      NavigableMap<Double, Double> observations = histogramDeltas.delta(histogram);
      for (Declaration declaration : declarations) {
        for (List<String> set : declaration.dimensionSets()) {
          Map<String, String> dimensions = dimensions(set, histogram.labels());
          if (dimensions != null && !observations.isEmpty()) {
            NavigableMap<Double, Double> counts =
                groups.computeIfAbsent(new GroupKey(declaration, dimensions), k -> new TreeMap<>());
            observations.forEach(
                (bound, count) ->
                    counts.merge(representative(bound, histogram.buckets()), count, Double::sum));
          }
        }
      }
    }
    histogramDeltas.endInterval();
    List<Datum> data = new ArrayList<>();
    groups.forEach(
        (key, counts) -> {
          List<Double> values = List.copyOf(counts.keySet());
          List<Double> numbers = List.copyOf(counts.values());
          // More distinct values than one datum may carry: several data points, which CloudWatch
          // adds up.
          for (int start = 0;
              start < values.size();
              start += MetricDatumBatcher.MAX_VALUES_PER_DATUM) {
            int end = Math.min(values.size(), start + MetricDatumBatcher.MAX_VALUES_PER_DATUM);
            data.add(
                new Datum(
                    key.declaration().name(),
                    key.dimensions(),
                    Double.NaN,
                    null,
                    new Distribution(values.subList(start, end), numbers.subList(start, end)),
                    key.declaration().unit(),
                    timestampMillis));
          }
        });
    return data;
  }

  /**
   * The value that stands for a bucket's observations: its upper bound, so that a percentile read
   * in CloudWatch is the bound a Prometheus bucket guarantees ("at most le"), as
   * histogram_quantile's answer never exceeds it. The +Inf bucket, which has no bound, is sent as
   * the largest finite one (its observations are at least that).
   */
  static double representative(double bound, NavigableMap<Double, Double> buckets) {
    if (Double.isFinite(bound)) {
      return bound;
    }
    Double largestFinite = buckets.lowerKey(Double.POSITIVE_INFINITY);
    return largestFinite == null ? 0 : largestFinite;
  }

  /** The set's values on this point, or null when the point lacks one of its dimensions. */
  private static Map<String, String> dimensions(List<String> set, Map<String, String> labels) {
    Map<String, String> dimensions = new LinkedHashMap<>();
    for (String name : set) {
      String value = labels.get(name);
      if (value == null) {
        return null;
      }
      dimensions.put(name, value.isEmpty() ? EMPTY_VALUE : value);
    }
    return dimensions;
  }
}
