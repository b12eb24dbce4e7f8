package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cloudwatch.BridgeMetrics;
import dev.nodescope.agent.health.HealthMetrics;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds docs/flags.md and docs/metrics.md from the code (the agent's flags, each collector's flags
 * and descriptors, the self-metrics and the CloudWatch bridge's metrics), so that the documentation
 * cannot drift from what the agent accepts and exposes. Both pages are generated whole; {@link
 * DocsTest} compares them with the committed files and rewrites them with {@code
 * -Ddocs.update=true}.
 */
final class Docs {
  static final String REGENERATE = "mvn -B -q -o -pl agent test -Dtest=DocsTest -Ddocs.update=true";
  static final Path FLAGS = Path.of("docs", "flags.md");
  static final Path METRICS = Path.of("docs", "metrics.md");

  private static final String GENERATED =
      "<!-- Generated from the code by dev.nodescope.agent.Docs: edit the code, then run "
          + REGENERATE
          + " -->\n\n";

  private Docs() {}

  /** Each generated page by its path relative to the repository root. */
  static Map<Path, String> pages(CollectorCatalog catalog) {
    Map<Path, String> pages = new LinkedHashMap<>();
    pages.put(FLAGS, flagsPage(catalog));
    pages.put(METRICS, metricsPage(catalog));
    return pages;
  }

  static String flagsPage(CollectorCatalog catalog) {
    return "# Flags\n\n"
        + GENERATED
        + "Flags follow the Prometheus exporters' conventions; a bad flag or value stops the agent with exit code 2 "
        + "and one line on stderr. Any flag can also be a key of `--config.file` "
        + "([running.md](running.md)).\n\n"
        + flagTable(catalog);
  }

  static String flagTable(CollectorCatalog catalog) {
    StringBuilder table = new StringBuilder("| Flag | Default | Meaning |\n|---|---|---|\n");
    table.append("| `-h`, `--help` | | Show the flags and exit. |\n");
    table.append("| `--version` | | Show the version and exit. |\n");
    AgentFlags.ALL.forEach(flag -> flagRow(table, flag));
    catalog.flags().forEach(flag -> flagRow(table, flag));
    return table.toString();
  }

  private static void flagRow(StringBuilder table, Flag<?> flag) {
    String name =
        flag.isBoolean()
            ? "`--[no-]" + flag.name() + "`"
            : "`--" + flag.name() + "=" + flag.placeholder() + "`";
    String defaultText = flag.defaultText() == null ? "" : " `" + cell(flag.defaultText()) + "`";
    table
        .append("| ")
        .append(cell(name))
        .append(" |")
        .append(defaultText)
        .append(" | ")
        .append(cell(flag.help()))
        .append(" |\n");
  }

  static String metricsPage(CollectorCatalog catalog) {
    return "# Metrics\n\n"
        + GENERATED
        + "Every series the agent can expose, per collector. A collector that fails keeps its previous series and "
        + "counts the failure in `nodescope_collector_errors_total`; one whose source is absent on the node (no GPU "
        + "driver, say) exposes no series and `nodescope_collector_source_available 0`.\n\n"
        + metricTables(catalog);
  }

  static String metricTables(CollectorCatalog catalog) {
    Map<String, List<MetricDescriptor>> metrics = catalog.metrics();
    StringBuilder text = new StringBuilder();
    for (CollectorFactory factory : catalog.factories()) {
      text.append("## Collector `")
          .append(factory.name())
          .append("`\n\n")
          .append(sentence(factory.description()))
          .append(" Enabled by default: ")
          .append(factory.enabledByDefault() ? "yes" : "no")
          .append("; runs every ")
          .append(Flag.formatDuration(factory.defaultInterval()))
          .append(". How it works: [collectors/")
          .append(factory.name())
          .append(".md](collectors/")
          .append(factory.name())
          .append(".md).\n\n");
      metricTable(text, metrics.get(factory.name()));
    }
    text.append(
        "## The agent itself\n\nPer collector, once it has run at least once; the build; what the HTTP server "
            + "refused or cut ([running.md](running.md#slow-scrapers)).\n\n");
    metricTable(text, metrics.get(CollectorCatalog.AGENT));
    text.append(
        "## CloudWatch bridge\n\nWith `--cloudwatch.enabled`: delivery and scrape mode "
            + "([cloudwatch.md](cloudwatch.md)).\n\n");
    metricTable(text, metrics.get(BridgeMetrics.COLLECTOR));
    text.append(
        "## Accelerator health\n\nWith the nvidia or neuron collector: the health policy's verdict per "
            + "device ([collectors/health.md](collectors/health.md)).\n\n");
    metricTable(text, metrics.get(HealthMetrics.COLLECTOR));
    return text.toString().stripTrailing() + "\n";
  }

  private static void metricTable(StringBuilder text, List<MetricDescriptor> descriptors) {
    text.append("| Metric | Type | Labels | Meaning |\n|---|---|---|---|\n");
    for (MetricDescriptor descriptor : descriptors) {
      String labels =
          String.join(
              ", ", descriptor.labelNames().stream().map(label -> "`" + label + "`").toList());
      text.append("| `")
          .append(descriptor.name())
          .append("` | ")
          .append(descriptor.type().name().toLowerCase(Locale.ROOT))
          .append(" | ")
          .append(labels)
          .append(" | ")
          .append(cell(descriptor.help()))
          .append(" |\n");
    }
    text.append('\n');
  }

  /** A collector's one-line description as a sentence: capitalised, ending in a full stop. */
  static String sentence(String description) {
    String text = description.strip();
    if (text.isEmpty()) {
      return text;
    }
    String capitalised = Character.toUpperCase(text.charAt(0)) + text.substring(1);
    return capitalised.endsWith(".") ? capitalised : capitalised + ".";
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
