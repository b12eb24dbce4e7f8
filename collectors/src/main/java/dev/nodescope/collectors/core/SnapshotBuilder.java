package dev.nodescope.collectors.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects samples during one run. Only descriptors the collector declared are accepted, so a
 * collector cannot expose a series that the docs and exposition do not know about.
 */
public final class SnapshotBuilder {
  private final String collector;
  private final Map<String, MetricDescriptor> declared = new LinkedHashMap<>();
  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final Map<String, Set<List<String>>> labelSets = new HashMap<>();
  private final List<String> partialFailures = new ArrayList<>();

  public SnapshotBuilder(String collector, List<MetricDescriptor> declared) {
    this.collector = collector;
    for (MetricDescriptor descriptor : declared) {
      this.declared.put(descriptor.name(), descriptor);
    }
  }

  public SnapshotBuilder add(MetricDescriptor descriptor, double value, String... labelValues) {
    return add(descriptor, value, Arrays.asList(labelValues));
  }

  /**
   * A count or a size in bytes: exposition carries doubles, exact up to 2^53 (9 PB, or 285 years of
   * nanoseconds), past any counter or size a node reports.
   */
  public SnapshotBuilder add(MetricDescriptor descriptor, long value, String... labelValues) {
    return add(descriptor, (double) value, Arrays.asList(labelValues));
  }

  public SnapshotBuilder add(MetricDescriptor descriptor, long value, List<String> labelValues) {
    return add(descriptor, (double) value, labelValues);
  }

  public SnapshotBuilder add(MetricDescriptor descriptor, double value, List<String> labelValues) {
    if (descriptor.type() == MetricType.HISTOGRAM) {
      throw new IllegalArgumentException(descriptor.name() + " is a histogram: use addHistogram");
    }
    return put(descriptor, labelValues, value, null);
  }

  /** One series of a histogram metric. */
  public SnapshotBuilder addHistogram(
      MetricDescriptor descriptor, Histogram histogram, List<String> labelValues) {
    if (descriptor.type() != MetricType.HISTOGRAM) {
      throw new IllegalArgumentException(descriptor.name() + " is not a histogram");
    }
    return put(descriptor, labelValues, (double) histogram.count(), histogram);
  }

  private SnapshotBuilder put(
      MetricDescriptor descriptor, List<String> labelValues, double value, Histogram histogram) {
    if (!descriptor.equals(declared.get(descriptor.name()))) {
      throw new IllegalArgumentException(collector + " did not declare " + descriptor.name());
    }
    if (labelValues.size() != descriptor.labelNames().size()) {
      throw new IllegalArgumentException(
          descriptor.name()
              + " takes labels "
              + descriptor.labelNames()
              + " but got "
              + labelValues);
    }
    for (String labelValue : labelValues) {
      if (labelValue == null) {
        throw new IllegalArgumentException(
            descriptor.name() + " got a null label value: " + labelValues);
      }
    }
    if (Double.isNaN(value) && descriptor.type() == MetricType.COUNTER) {
      throw new IllegalArgumentException(descriptor.name() + " is a counter and cannot be NaN");
    }
    if (descriptor.type() == MetricType.INFO && value != 1) {
      throw new IllegalArgumentException(descriptor.name() + " is an info metric and must be 1");
    }
    Sample sample = new Sample(labelValues, value, histogram);
    if (!labelSets
        .computeIfAbsent(descriptor.name(), name -> new HashSet<>())
        .add(sample.labelValues())) {
      // Exposition would sum duplicate gauges and counters, and a duplicate info series fails the
      // whole scrape:
      // keep the first, report the rest.
      partialFailure(
          "duplicate series "
              + descriptor.name()
              + descriptor.labelNames()
              + "="
              + labelValues
              + " dropped");
      return this;
    }
    samples.computeIfAbsent(descriptor.name(), name -> new ArrayList<>()).add(sample);
    return this;
  }

  /**
   * One part of the source was bad (a malformed line, one unreadable cgroup) while the rest was
   * read. The run keeps what it has; each such problem counts in {@code
   * nodescope_collector_errors_total} and is logged once.
   */
  public void partialFailure(String message) {
    partialFailures.add(message);
  }

  public List<String> partialFailures() {
    return List.copyOf(partialFailures);
  }

  public Set<String> names() {
    return samples.keySet();
  }

  public Snapshot build(Clock clock) {
    Map<String, MetricFamily> families = new LinkedHashMap<>();
    samples.forEach((name, list) -> families.put(name, new MetricFamily(declared.get(name), list)));
    return new Snapshot(collector, clock.instant(), families);
  }
}
