package dev.nodescope.collectors.core;

import java.time.Instant;
import java.util.Map;

/**
 * What one collector run produced. Immutable, so the scrape path and the CloudWatch bridge read it
 * without locks while the collector builds the next one.
 */
public record Snapshot(String collector, Instant collectedAt, Map<String, MetricFamily> families) {
  public Snapshot {
    families = Map.copyOf(families);
  }

  public static Snapshot empty(String collector) {
    return new Snapshot(collector, Instant.EPOCH, Map.of());
  }

  /** The family of that metric, or an empty one when this run had no series of it. */
  public MetricFamily family(MetricDescriptor descriptor) {
    MetricFamily family = families.get(descriptor.name());
    return family != null ? family : new MetricFamily(descriptor, java.util.List.of());
  }
}
