package dev.nodescope.agent.it;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a scrape in Prometheus text format into series and values. Deliberately simple (one sample
 * per line, no timestamps): promtool and the OpenMetrics parser check the format; this only reads
 * what the agent wrote.
 */
final class TextExposition {
  private final Map<String, Double> series = new LinkedHashMap<>();

  TextExposition(String text) {
    for (String line : text.lines().toList()) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
  }

  /** Series keys as written: {@code name{label="value",...}}, or the bare name without labels. */
  Map<String, Double> series() {
    return series;
  }

  Set<String> metricNames() {
    Set<String> names = new TreeSet<>();
    for (String key : series.keySet()) {
      int brace = key.indexOf('{');
      names.add(brace < 0 ? key : key.substring(0, brace));
    }
    return names;
  }

  /** The value of a per-collector self-metric, keyed by collector. */
  Map<String, Double> byCollector(String metric) {
    Map<String, Double> values = new LinkedHashMap<>();
    String prefix = metric + "{collector=\"";
    series.forEach(
        (key, value) -> {
          if (key.startsWith(prefix)) {
            values.put(key.substring(prefix.length(), key.indexOf('"', prefix.length())), value);
          }
        });
    return values;
  }
}
