package dev.nodescope.collectors.core;

import java.util.List;

/**
 * One series of a family: label values in the order of the descriptor's label names, and its value.
 * A histogram's series carries its buckets in {@code histogram}, and its count as the value; other
 * series have none.
 */
public record Sample(List<String> labelValues, double value, Histogram histogram) {
  public Sample {
    labelValues = List.copyOf(labelValues);
  }

  public Sample(List<String> labelValues, double value) {
    this(labelValues, value, null);
  }
}
