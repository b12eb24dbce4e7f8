package dev.nodescope.agent.cloudwatch;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns cumulative counter readings into per-interval deltas. The first reading of a series is sent whole (the
 * agent has the series since its start, so nothing before it is lost); a reading below the previous one is a
 * reset, and the new reading is the increase since that reset.
 */
public final class CounterDeltas {
  private final Map<SeriesKey, Double> previous = new HashMap<>();

  /** Identity of one series: metric name plus its labels. */
  public record SeriesKey(String name, Map<String, String> labels) {
    public SeriesKey {
      labels = Map.copyOf(labels);
    }
  }

  public synchronized double delta(SeriesKey key, double cumulative) {
    Double before = previous.put(key, cumulative);
    if (before == null || cumulative < before) {
      return cumulative;
    }
    return cumulative - before;
  }

  /** Forgets series not seen in the latest interval, so vanished pods do not pin memory. */
  public synchronized void retainOnly(java.util.Set<SeriesKey> seen) {
    previous.keySet().retainAll(seen);
  }
}
