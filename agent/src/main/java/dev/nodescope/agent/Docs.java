package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cloudwatch.BridgeMetrics;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the README's flag and metric tables from the code (the agent's flags, each collector's
 * flags and descriptors, the self-metrics), so that the documentation cannot drift from what the
 * agent accepts and exposes. Each table lives between a pair of markers in README.md; everything
 * outside them is hand-written.
 *
 * <p>{@code java -cp agent/target/nodescope-agent.jar dev.nodescope.agent.Docs README.md} rewrites
 * the tables; with {@code --check} it only reports (exit 1) when they are stale.
 */
public final class Docs {
  static final String FLAGS = "flags";
  static final String METRICS = "metrics";

  private Docs() {}

  public static void main(String[] args) throws IOException {
    boolean check = args.length > 0 && args[0].equals("--check");
    Path readme = Path.of(args.length > (check ? 1 : 0) ? args[check ? 1 : 0] : "README.md");
    String current = Files.readString(readme);
    String updated = update(current, CollectorCatalog.standard());
    if (current.equals(updated)) {
      System.out.println(readme + " is up to date");
    } else if (check) {
      System.err.println(readme + " differs from the code: run dev.nodescope.agent.Docs " + readme);
      System.exit(1);
    } else {
      Files.writeString(readme, updated);
      System.out.println(readme + " updated");
    }
  }

  /** The document with every generated section replaced by what the code says now. */
  static String update(String document, CollectorCatalog catalog) {
    String withFlags = replaceSection(document, FLAGS, flagTable(catalog));
    return replaceSection(withFlags, METRICS, metricTables(catalog));
  }

  static String begin(String section) {
    return "<!-- BEGIN GENERATED "
        + section
        + ": edit the code, then run dev.nodescope.agent.Docs -->";
  }

  static String end(String section) {
    return "<!-- END GENERATED " + section + " -->";
  }

  static String replaceSection(String document, String section, String content) {
    int start = document.indexOf(begin(section));
    int stop = document.indexOf(end(section));
    if (start < 0 || stop < start) {
      throw new IllegalArgumentException(
          "README lacks the markers " + begin(section) + " ... " + end(section));
    }
    return document.substring(0, start + begin(section).length())
        + "\n"
        + content
        + document.substring(stop);
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

  static String metricTables(CollectorCatalog catalog) {
    Map<String, List<MetricDescriptor>> metrics = catalog.metrics();
    StringBuilder text = new StringBuilder();
    for (CollectorFactory factory : catalog.factories()) {
      text.append("### Collector `")
          .append(factory.name())
          .append("`\n\n")
          .append(factory.description())
          .append(" Enabled by default: ")
          .append(factory.enabledByDefault() ? "yes" : "no")
          .append("; runs every ")
          .append(Flag.formatDuration(factory.defaultInterval()))
          .append(".\n\n");
      metricTable(text, metrics.get(factory.name()));
    }
    text.append(
        "### The agent itself\n\nPer collector, once it has run at least once; the build; what the HTTP server "
            + "refused or cut (see Slow scrapers).\n\n");
    metricTable(text, metrics.get(CollectorCatalog.AGENT));
    text.append(
        "### CloudWatch bridge\n\nWith `--cloudwatch.enabled`: delivery and scrape mode.\n\n");
    metricTable(text, metrics.get(BridgeMetrics.COLLECTOR));
    return text.toString();
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

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
