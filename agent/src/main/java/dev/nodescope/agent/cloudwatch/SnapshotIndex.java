package dev.nodescope.agent.cloudwatch;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry's latest snapshots by metric name, with labels by name: what the bridge maps each
 * interval.
 */
final class SnapshotIndex {
  /**
   * One series: its labels, value, whether it is a counter, and when its collector read it; a
   * histogram's series has its count as the value and the sum of its observations in {@code sum} (0
   * for other series).
   */
  record Row(
      String metric,
      Map<String, String> labels,
      double value,
      boolean counter,
      long atMillis,
      double sum) {
    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }

  private final Map<String, List<Row>> rows = new HashMap<>();

  SnapshotIndex(Collection<Snapshot> snapshots) {
    for (Snapshot snapshot : snapshots) {
      long at = snapshot.collectedAt().toEpochMilli();
      for (MetricFamily family : snapshot.families().values()) {
        List<String> names = family.descriptor().labelNames();
        boolean counter = family.descriptor().type() == MetricType.COUNTER;
        List<Row> list = rows.computeIfAbsent(family.descriptor().name(), n -> new ArrayList<>());
        for (Sample sample : family.samples()) {
          Map<String, String> labels = new LinkedHashMap<>();
          for (int i = 0; i < names.size(); i++) {
            labels.put(names.get(i), sample.labelValues().get(i));
          }
          double sum = sample.histogram() == null ? 0 : sample.histogram().sum();
          list.add(new Row(family.descriptor().name(), labels, sample.value(), counter, at, sum));
        }
      }
    }
  }

  List<Row> rows(MetricDescriptor metric) {
    return rows.getOrDefault(metric.name(), List.of());
  }

  Collection<List<Row>> all() {
    return rows.values();
  }
}
