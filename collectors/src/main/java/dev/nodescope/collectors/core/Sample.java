package dev.nodescope.collectors.core;

import java.util.List;

/**
 * One series of a family: label values in the order of the descriptor's label names, and its value.
 */
public record Sample(List<String> labelValues, double value) {
  public Sample {
    labelValues = List.copyOf(labelValues);
  }
}
