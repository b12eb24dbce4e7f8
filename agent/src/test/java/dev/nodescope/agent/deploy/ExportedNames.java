package dev.nodescope.agent.deploy;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.exposition.SelfMetrics;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The metric and flag names that dashboards, alert rules and the Helm chart may use: what the agent's code
 * declares (collector descriptors, self-metrics, flags), the series Prometheus itself adds to every scrape, and,
 * until the branches adding them are merged, the agreed names of {@code deploy/pending-merge.txt}.
 */
public final class ExportedNames {
  /** The repository root: tests run in agent/. */
  public static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  /** Series Prometheus writes for every target it scrapes. */
  public static final Set<String> PROMETHEUS_SCRAPE_SERIES = Set.of("up", "scrape_duration_seconds",
      "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added");

  private static final String PENDING = "/deploy/pending-merge.txt";

  private ExportedNames() {}

  /** Every metric name the agent's code declares. */
  public static Set<String> declaredMetrics() {
    Set<String> names = new TreeSet<>();
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      factory.descriptors().stream().map(MetricDescriptor::name).forEach(names::add);
    }
    SelfMetrics.ALL.stream().map(MetricDescriptor::name).forEach(names::add);
    return names;
  }

  /** Names a query may use: declared, added by Prometheus, or agreed and pending merge. */
  public static Set<String> usableMetrics() {
    Set<String> names = new TreeSet<>(declaredMetrics());
    names.addAll(PROMETHEUS_SCRAPE_SERIES);
    names.addAll(pending("metric"));
    return names;
  }

  /** Every flag the agent accepts. */
  public static List<Flag<?>> declaredFlags() {
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(CollectorCatalog.standard().flags());
    return flags;
  }

  /** Agreed names of the given kind ("metric" or "flag") that another branch will add. */
  public static Set<String> pending(String kind) {
    Set<String> names = new TreeSet<>();
    try (InputStream in = ExportedNames.class.getResourceAsStream(PENDING)) {
      if (in == null) {
        return names; // deleted after the merge, as intended
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String[] words = line.strip().split("\\s+");
        if (words.length == 2 && words[0].equals(kind)) {
          names.add(words[1]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }
}
