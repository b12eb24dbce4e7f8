package dev.nodescope.agent.cloudwatch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns cumulative counter readings into per-interval deltas. The first reading of a series is sent
 * whole (the agent has the series since its start, so nothing before it is lost); a reading below
 * the previous one is a reset, and the new reading is the increase since that reset.
 */
public final class CounterDeltas {
  private final Map<SeriesKey, Double> previous = new HashMap<>();
  private final Set<SeriesKey> seen = new HashSet<>();

  /** Identity of one series: metric name plus its labels. */
  public record SeriesKey(String name, Map<String, String> labels) {
    public SeriesKey {
      labels = Map.copyOf(labels);
    }
  }

  public synchronized double delta(SeriesKey key, double cumulative) {
    seen.add(key);
    Double before = previous.put(key, cumulative);
    if (before == null || cumulative < before) {
      return cumulative;
    }
    return cumulative - before;
  }

  /** Forgets series not seen since the last call, so vanished pods do not pin memory. */
  public synchronized void endInterval() {
    previous.keySet().retainAll(seen);
    seen.clear();
  }
}
