package dev.nodescope.agent.cloudwatch;

import java.util.Map;

/**
 * One series value the declarations can pick from: a sample of the agent's own metrics, a Container
 * Insights value the bridge computed, or a scraped sample. Counters are cumulative here; the bridge
 * sends their deltas.
 */
public record Point(String name, Map<String, String> labels, double value, boolean counter) {
  public Point {
    labels = Map.copyOf(labels);
  }
}
