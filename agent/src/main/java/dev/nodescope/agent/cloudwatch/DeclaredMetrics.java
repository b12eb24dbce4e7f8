package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.Declarations.Declaration;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Datum;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Statistics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the interval's points into PutMetricData values for the declared metrics. Each dimension set groups the
 * series with the same values of its dimensions: counters send the sum of the series' deltas (first interval
 * whole, resets counted from zero), gauges one value, or a statistic set when several series fall in a group.
 * CloudWatch refuses empty dimension values, so an empty label is sent as "none".
 */
final class DeclaredMetrics {
  static final String EMPTY_VALUE = "none";

  private final Map<String, List<Declaration>> byMetric = new HashMap<>();
  private final CounterDeltas deltas = new CounterDeltas();

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

  List<Datum> data(List<Point> points, long timestampMillis) {
    Map<GroupKey, Group> groups = new LinkedHashMap<>();
    for (Point point : points) {
      List<Declaration> declarations = byMetric.get(point.name());
      if (declarations == null) {
        continue;
      }
      double value = point.counter()
          ? deltas.delta(new CounterDeltas.SeriesKey(point.name(), point.labels()), point.value()) : point.value();
      if (Double.isNaN(value)) {
        continue;
      }
      for (Declaration declaration : declarations) {
        for (List<String> set : declaration.dimensionSets()) {
          Map<String, String> dimensions = dimensions(set, point.labels());
          if (dimensions != null) {
            groups.computeIfAbsent(new GroupKey(declaration, dimensions), k -> new Group(point.counter()))
                .add(value);
          }
        }
      }
    }
    deltas.endInterval();
    List<Datum> data = new ArrayList<>(groups.size());
    groups.forEach((key, group) -> {
      Declaration declaration = key.declaration();
      if (group.counter || group.count == 1) {
        data.add(new Datum(declaration.name(), key.dimensions(), group.sum, declaration.unit(), timestampMillis));
      } else {
        data.add(new Datum(declaration.name(), key.dimensions(), Double.NaN,
            new Statistics(group.count, group.sum, group.min, group.max), declaration.unit(), timestampMillis));
      }
    });
    return data;
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
