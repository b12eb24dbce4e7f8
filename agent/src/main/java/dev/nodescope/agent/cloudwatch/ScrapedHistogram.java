package dev.nodescope.agent.cloudwatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * One series of a scraped histogram family: its cumulative bucket counts by upper bound ({@code
 * le}, +Inf included), put back together from the {@code _bucket} and {@code _count} samples of the
 * exposition.
 */
public record ScrapedHistogram(
    String name, Map<String, String> labels, NavigableMap<Double, Double> buckets) {
  public ScrapedHistogram {
    labels = Map.copyOf(labels);
    buckets = Collections.unmodifiableNavigableMap(new TreeMap<>(buckets));
  }

  /**
   * The histogram series among the samples. A series without a +Inf bucket gets its {@code _count}
   * as one (every observation is at most +Inf); a series with neither, or with a bucket whose bound
   * is not a number, is left out.
   */
  public static List<ScrapedHistogram> assemble(List<ScrapedSample> samples) {
    Map<Map<String, String>, NavigableMap<Double, Double>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new HashMap<>();
    Map<Map<String, String>, String> names = new HashMap<>();
    Set<Map<String, String>> malformed = new HashSet<>();
    for (ScrapedSample sample : samples) {
      if (!sample.type().equals("histogram")) {
        continue;
      }
      if (sample.name().endsWith("_bucket") && sample.labels().containsKey("le")) {
        Double bound = bound(sample.labels().get("le"));
        Map<String, String> series = series(sample, "_bucket");
        names.put(series, familyName(sample, "_bucket"));
        NavigableMap<Double, Double> byBound =
            buckets.computeIfAbsent(series, s -> new TreeMap<>());
        if (bound == null) {
          malformed.add(series);
        } else {
          byBound.put(bound, sample.value());
        }
      } else if (sample.name().endsWith("_count")) {
        Map<String, String> series = series(sample, "_count");
        names.put(series, familyName(sample, "_count"));
        counts.put(series, sample.value());
        buckets.computeIfAbsent(series, s -> new TreeMap<>());
      }
    }
    List<ScrapedHistogram> histograms = new ArrayList<>();
    buckets.forEach(
        (series, byBound) -> {
          if (malformed.contains(series)) {
            return;
          }
          Double count = counts.get(series);
          if (!byBound.containsKey(Double.POSITIVE_INFINITY) && count != null) {
            byBound.put(Double.POSITIVE_INFINITY, count);
          }
          if (!byBound.isEmpty()) {
            Map<String, String> labels = new LinkedHashMap<>(series);
            labels.remove(FAMILY);
            histograms.add(new ScrapedHistogram(names.get(series), labels, byBound));
          }
        });
    return histograms;
  }

  /**
   * A key no label can have (label names never start with a digit): the family name inside the
   * series key.
   */
  private static final String FAMILY = "0family";

  private static Map<String, String> series(ScrapedSample sample, String suffix) {
    Map<String, String> series = new HashMap<>(sample.labels());
    series.remove("le");
    series.put(FAMILY, familyName(sample, suffix));
    return series;
  }

  private static String familyName(ScrapedSample sample, String suffix) {
    return sample.name().substring(0, sample.name().length() - suffix.length());
  }

  private static Double bound(String le) {
    try {
      return le.equals("+Inf") || le.equals("Inf") ? Double.POSITIVE_INFINITY : Double.valueOf(le);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
