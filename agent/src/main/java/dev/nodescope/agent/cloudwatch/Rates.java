package dev.nodescope.agent.cloudwatch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Per-second rates of cumulative counters between the collector's readings (their own timestamps,
 * so a late bridge interval does not distort them). The first reading has no rate yet; a reading
 * below the previous one is a reset, counted from zero. A series read again at the same instant
 * keeps its last rate.
 */
final class Rates {
  private record Reading(double value, long atMillis, double rate) {}

  private final Map<CounterDeltas.SeriesKey, Reading> previous = new HashMap<>();
  private final Set<CounterDeltas.SeriesKey> seen = new HashSet<>();

  double perSecond(String name, Map<String, String> labels, double value, long atMillis) {
    CounterDeltas.SeriesKey key = new CounterDeltas.SeriesKey(name, labels);
    seen.add(key);
    Reading before = previous.get(key);
    double rate;
    if (before == null) {
      rate = Double.NaN;
    } else if (atMillis <= before.atMillis()) {
      return before.rate();
    } else {
      double increase = value >= before.value() ? value - before.value() : value;
      rate = increase * 1000.0 / (atMillis - before.atMillis());
    }
    previous.put(key, new Reading(value, atMillis, rate));
    return rate;
  }

  /** Forgets series not read in this interval, so vanished pods do not pin memory. */
  void endInterval() {
    previous.keySet().retainAll(seen);
    seen.clear();
  }
}
