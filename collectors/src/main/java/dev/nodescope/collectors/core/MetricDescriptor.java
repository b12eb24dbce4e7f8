package dev.nodescope.collectors.core;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A metric as users see it on /metrics: the exact exposed name (counters end in {@code _total}),
 * its type, help text and label names. Collectors declare these up front so that exposition, the
 * generated docs and the CloudWatch bridge all work from one list, and a misspelt name fails at
 * start-up rather than at scrape time.
 */
public record MetricDescriptor(String name, MetricType type, String help, List<String> labelNames) {
  /** OpenTelemetry instrument names must start with a letter and stay within 255 characters. */
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,254}");

  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  public MetricDescriptor {
    labelNames = List.copyOf(labelNames);
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid metric name: " + name);
    }
    if (type == MetricType.COUNTER && !name.endsWith("_total")) {
      // OpenMetrics requires the suffix on counters; the exporter would add it and break the
      // declared name.
      throw new IllegalArgumentException("counter name must end in _total: " + name);
    }
    if (type == MetricType.INFO && !name.endsWith("_info")) {
      throw new IllegalArgumentException("info metric name must end in _info: " + name);
    }
    if ((type == MetricType.GAUGE || type == MetricType.HISTOGRAM)
        && (name.endsWith("_total") || name.endsWith("_info"))) {
      // promtool flags a gauge named like a counter, and the exporter strips _info from a gauge's
      // name.
      throw new IllegalArgumentException(
          type.name().toLowerCase(java.util.Locale.ROOT)
              + " name must not end in _total or _info: "
              + name);
    }
    for (String label : labelNames) {
      if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
        throw new IllegalArgumentException("invalid label name " + label + " on " + name);
      }
    }
    if (help == null || help.isBlank()) {
      throw new IllegalArgumentException("missing help for " + name);
    }
  }

  public static MetricDescriptor gauge(String name, String help, String... labelNames) {
    return gauge(name, help, List.of(labelNames));
  }

  public static MetricDescriptor info(String name, String help, String... labelNames) {
    return new MetricDescriptor(name, MetricType.INFO, help, List.of(labelNames));
  }

  public static MetricDescriptor counter(String name, String help, String... labelNames) {
    return counter(name, help, List.of(labelNames));
  }

  public static MetricDescriptor gauge(String name, String help, List<String> labelNames) {
    return new MetricDescriptor(name, MetricType.GAUGE, help, labelNames);
  }

  public static MetricDescriptor counter(String name, String help, List<String> labelNames) {
    return new MetricDescriptor(name, MetricType.COUNTER, help, labelNames);
  }

  public static MetricDescriptor histogram(String name, String help, String... labelNames) {
    return new MetricDescriptor(name, MetricType.HISTOGRAM, help, List.of(labelNames));
  }
}
