package dev.nodescope.collectors.core;

import java.util.List;

/** All series of one metric in one snapshot. */
public record MetricFamily(MetricDescriptor descriptor, List<Sample> samples) {
  public MetricFamily {
    samples = List.copyOf(samples);
  }
}
