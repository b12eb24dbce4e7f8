package dev.nodescope.collectors.flows;

import java.util.List;

/** Flow series of an aggregator looked up by their label values, as the exposition writes them. */
public final class FlowSeries {
  private FlowSeries() {}

  /** The series with exactly these label values (in the flow metrics' order), or null. */
  public static FlowAggregator.FlowTotals find(FlowAggregator aggregator, String... labels) {
    List<String> wanted = List.of(labels);
    return aggregator.series().entrySet().stream()
        .filter(e -> e.getKey().labels().equals(wanted))
        .map(e -> e.getValue())
        .findFirst()
        .orElse(null);
  }

  /** The value of one label of a series. */
  public static String label(FlowAggregator.FlowKey key, String name) {
    return key.labels().get(FlowAggregator.FlowKey.LABELS.indexOf(name));
  }
}
