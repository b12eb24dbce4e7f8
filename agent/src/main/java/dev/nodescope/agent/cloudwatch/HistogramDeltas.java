package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.CounterDeltas.SeriesKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns cumulative histogram readings into the observations of each interval, per bucket. As with
 * counters, the first reading is sent whole and a reset restarts from zero; a histogram resets as a
 * whole, so any bucket that went down (or a changed set of bounds) means every bucket counts from
 * zero, not only those that went down.
 */
final class HistogramDeltas {
  private final Map<SeriesKey, NavigableMap<Double, Double>> previous = new HashMap<>();
  private final Set<SeriesKey> seen = new HashSet<>();

  /** Observations since the last reading by bucket upper bound, buckets without any left out. */
  NavigableMap<Double, Double> delta(ScrapedHistogram histogram) {
    SeriesKey key = new SeriesKey(histogram.name(), histogram.labels());
    seen.add(key);
    NavigableMap<Double, Double> before = previous.put(key, histogram.buckets());
    boolean reset =
        before == null
            || !before.keySet().equals(histogram.buckets().keySet())
            || histogram.buckets().entrySet().stream()
                .anyMatch(b -> b.getValue() < before.get(b.getKey()));
    NavigableMap<Double, Double> observations = new TreeMap<>();
    double cumulativeBelow = 0;
    for (Map.Entry<Double, Double> bucket : histogram.buckets().entrySet()) {
      double cumulative =
          reset ? bucket.getValue() : bucket.getValue() - before.get(bucket.getKey());
      double inBucket = cumulative - cumulativeBelow;
      cumulativeBelow = cumulative;
      if (inBucket > 0) {
        observations.put(bucket.getKey(), inBucket);
      }
    }
    return observations;
  }

  /** Forgets series not seen since the last call. */
  void endInterval() {
    previous.keySet().retainAll(seen);
    seen.clear();
  }
}
