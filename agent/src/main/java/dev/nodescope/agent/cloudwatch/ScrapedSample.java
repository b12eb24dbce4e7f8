package dev.nodescope.agent.cloudwatch;

import java.util.Map;

/**
 * One sample of a scraped Prometheus/OpenMetrics exposition; {@code type} is the family's declared
 * TYPE or "untyped".
 */
public record ScrapedSample(String name, Map<String, String> labels, double value, String type) {
  public ScrapedSample {
    labels = Map.copyOf(labels);
  }
}
