package dev.nodescope.agent.deploy;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The metric and flag names that dashboards, alert rules and the Helm chart may use: what the
 * agent's code declares (collector descriptors, self-metrics, the CloudWatch bridge's metrics,
 * flags) and the series Prometheus itself adds to every scrape.
 */
public final class ExportedNames {
  /** The repository root: tests run in agent/. */
  public static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  /** Series Prometheus writes for every target it scrapes. */
  public static final Set<String> PROMETHEUS_SCRAPE_SERIES =
      Set.of(
          "up",
          "scrape_duration_seconds",
          "scrape_samples_scraped",
          "scrape_samples_post_metric_relabeling",
          "scrape_series_added");

  private ExportedNames() {}

  /** Every metric name the agent's code declares. */
  public static Set<String> declaredMetrics() {
    Set<String> names = new TreeSet<>();
    for (List<MetricDescriptor> metrics : CollectorCatalog.standard().metrics().values()) {
      for (MetricDescriptor descriptor : metrics) {
        names.add(descriptor.name());
        if (descriptor.type() == MetricType.HISTOGRAM) {
          // A histogram is exposed as its bucket, sum and count series.
          names.addAll(
              List.of(
                  descriptor.name() + "_bucket",
                  descriptor.name() + "_sum",
                  descriptor.name() + "_count"));
        }
      }
    }
    return names;
  }

  /** Names a query may use: declared or added by Prometheus. */
  public static Set<String> usableMetrics() {
    Set<String> names = new TreeSet<>(declaredMetrics());
    names.addAll(PROMETHEUS_SCRAPE_SERIES);
    return names;
  }

  /** Every flag the agent accepts. */
  public static List<Flag<?>> declaredFlags() {
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(CollectorCatalog.standard().flags());
    return flags;
  }
}
