package dev.nodescope.collectors.core;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A metric as users see it on /metrics: the exact exposed name (counters end in {@code _total}), its type,
 * help text and label names. Collectors declare these up front so that exposition, the README table and the
 * CloudWatch bridge all work from one list, and a misspelt name fails at start-up rather than at scrape time.
 */
public record MetricDescriptor(String name, MetricType type, String help, List<String> labelNames) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  public MetricDescriptor {
    labelNames = List.copyOf(labelNames);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid metric name: " + name);
    }
    if (type == MetricType.COUNTER && !name.endsWith("_total")) {
      // OpenMetrics requires the suffix on counters; the exporter would add it and break the declared name.
      throw new IllegalArgumentException("counter name must end in _total: " + name);
    }
    if (type == MetricType.INFO && !name.endsWith("_info")) {
      throw new IllegalArgumentException("info metric name must end in _info: " + name);
    }
    for (String label : labelNames) {
      if (!NAME.matcher(label).matches() || label.startsWith("__")) {
        throw new IllegalArgumentException("invalid label name " + label + " on " + name);
      }
    }
    if (help == null || help.isBlank()) {
      throw new IllegalArgumentException("missing help for " + name);
    }
  }

  public static MetricDescriptor gauge(String name, String help, String... labelNames) {
    return new MetricDescriptor(name, MetricType.GAUGE, help, List.of(labelNames));
  }

  public static MetricDescriptor info(String name, String help, String... labelNames) {
    return new MetricDescriptor(name, MetricType.INFO, help, List.of(labelNames));
  }

  public static MetricDescriptor counter(String name, String help, String... labelNames) {
    return new MetricDescriptor(name, MetricType.COUNTER, help, List.of(labelNames));
  }
}
