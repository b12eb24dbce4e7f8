package dev.nodescope.collectors.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Observations counted per bucket: {@code counts.get(i)} observations fell at or below {@code
 * upperBounds.get(i)} and above the bound before it; the last count is for values above every bound
 * (+Inf). Counts here are per bucket; exposition makes them cumulative.
 */
public record Histogram(List<Double> upperBounds, List<Long> counts, double sum) {
  public Histogram {
    upperBounds = List.copyOf(upperBounds);
    counts = List.copyOf(counts);
    if (counts.size() != upperBounds.size() + 1) {
      throw new IllegalArgumentException(
          "a histogram has one count per bound plus +Inf: "
              + upperBounds.size()
              + " bounds, "
              + counts.size()
              + " counts");
    }
    for (int i = 1; i < upperBounds.size(); i++) {
      if (!(upperBounds.get(i) > upperBounds.get(i - 1))) {
        throw new IllegalArgumentException("histogram bounds must increase: " + upperBounds);
      }
    }
  }

  /** An empty histogram over these bounds. */
  public static Histogram empty(List<Double> upperBounds) {
    List<Long> zeros = new ArrayList<>();
    for (int i = 0; i <= upperBounds.size(); i++) {
      zeros.add(0L);
    }
    return new Histogram(upperBounds, zeros, 0);
  }

  public long count() {
    long count = 0;
    for (long bucket : counts) {
      count += bucket;
    }
    return count;
  }

  /** This histogram plus another over the same bounds. */
  public Histogram plus(Histogram other) {
    if (!other.upperBounds.equals(upperBounds)) {
      throw new IllegalArgumentException(
          "different bounds: " + upperBounds + ", " + other.upperBounds);
    }
    List<Long> sums = new ArrayList<>(counts.size());
    for (int i = 0; i < counts.size(); i++) {
      sums.add(counts.get(i) + other.counts.get(i));
    }
    return new Histogram(upperBounds, sums, sum + other.sum);
  }
}
