package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated pages (docs/flags.md, docs/metrics.md) agree with the code, README.md stays a short
 * entry point with a row and a page per collector, and every relative link of the docs resolves.
 */
class DocsTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path README = REPO.resolve("README.md");
  private static final int README_MAX_LINES = 250;
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  /** Fails while a generated page is stale; {@code -Ddocs.update=true} rewrites it. */
  @Test
  void generatedPagesAgreeWithTheCode() throws IOException {
    for (Map.Entry<Path, String> page : Docs.pages(CollectorCatalog.standard()).entrySet()) {
      Path file = REPO.resolve(page.getKey());
      if (Boolean.getBoolean("docs.update")) {
        Files.writeString(file, page.getValue());
        continue;
      }
      assertThat(Files.exists(file) ? Files.readString(file) : "")
          .as("%s differs from the code: run %s", page.getKey(), Docs.REGENERATE)
          .isEqualTo(page.getValue());
    }
  }

  @Test
  void pagesDocumentEveryFlagAndMetricOfTheStandardBuild() {
    CollectorCatalog catalog = CollectorCatalog.standard();
    String flagsPage = Docs.flagsPage(catalog);
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    for (Flag<?> flag : flags) {
      assertThat(flagsPage)
          .contains((flag.isBoolean() ? "`--[no-]" : "`--") + flag.name())
          .contains(flag.help().replace("|", "\\|"));
    }
    String metricsPage = Docs.metricsPage(catalog);
    catalog
        .metrics()
        .values()
        .forEach(
            metrics ->
                metrics.forEach(d -> assertThat(metricsPage).contains("| `" + d.name() + "` |")));
  }

  @Test
  void tablesCarryTypesLabelsDefaultsAndEscapedText() {
    CollectorCatalog catalog =
        new CollectorCatalog(
            List.of(
                FakeCollectors.factory(
                    "fake",
                    List.of(
                        MetricDescriptor.counter(
                            "fake_bytes_total", "Bytes | with a pipe.", "device", "direction"),
                        MetricDescriptor.info("fake_info", "What it is.", "version")),
                    context -> out -> {})));

    assertThat(Docs.flagsPage(catalog))
        .startsWith("# Flags\n\n<!-- Generated from the code")
        .contains(
            "| `--web.listen-address=STRING` | `:9101` | "
                + AgentFlags.LISTEN_ADDRESS.help()
                + " |\n")
        .contains("| `--config.file=PATH` | | ")
        .contains(
            "| `--[no-]collector.fake` | `true` | Enable the fake collector: a test collector |\n")
        .contains("| `--collector.fake.interval=DURATION` | `1s` | ");
    assertThat(Docs.metricsPage(catalog))
        .startsWith("# Metrics\n\n<!-- Generated from the code")
        .contains(
            "## Collector `fake`\n\nA test collector. Enabled by default: yes; runs every 1s. "
                + "How it works: [collectors/fake.md](collectors/fake.md).\n")
        .contains(
            "| `fake_bytes_total` | counter | `device`, `direction` | Bytes \\| with a pipe. |\n")
        .contains("| `fake_info` | info | `version` | What it is. |\n")
        .contains("| `nodescope_collector_errors_total` | counter | `collector` | ")
        .contains("| `nodescope_cloudwatch_values_sent_total` | counter | `api` | ")
        .endsWith(" |\n");
  }

  @Test
  void descriptionsBecomeSentences() {
    assertThat(Docs.sentence("pod metadata of this node")).isEqualTo("Pod metadata of this node.");
    assertThat(Docs.sentence("Already one.")).isEqualTo("Already one.");
  }

  /**
   * README.md is the entry point: short, with one row per collector linking to the collector's own
   * page, which must exist.
   */
  @Test
  void readmeIsShortAndLinksAPagePerCollector() throws IOException {
    List<String> readme = Files.readAllLines(README);
    assertThat(readme).as("README.md lines").hasSizeLessThanOrEqualTo(README_MAX_LINES);
    String text = String.join("\n", readme);
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      String page = "docs/collectors/" + factory.name() + ".md";
      assertThat(REPO.resolve(page)).as("page of collector %s", factory.name()).isRegularFile();
      assertThat(text)
          .as("README row of collector %s", factory.name())
          .contains("| `" + factory.name() + "` |")
          .contains("](" + page + ")");
    }
  }

  @Test
  void relativeLinksOfTheDocsResolve() throws IOException {
    List<Path> documents = new ArrayList<>();
    for (String name :
        List.of(
            "README.md",
            "CONTRIBUTING.md",
            "CHANGELOG.md",
            "helm/nodescope/README.md",
            "dashboards/README.md",
            "alerts/README.md")) {
      documents.add(REPO.resolve(name));
    }
    try (Stream<Path> docs = Files.walk(REPO.resolve("docs"))) {
      docs.filter(file -> file.toString().endsWith(".md")).forEach(documents::add);
    }
    for (Path document : documents) {
      Matcher link = LINK.matcher(Files.readString(document));
      while (link.find()) {
        String target = link.group(1);
        if (target.startsWith("http://")
            || target.startsWith("https://")
            || target.startsWith("#")) {
          continue;
        }
        int anchor = target.indexOf('#');
        Path resolved =
            document.getParent().resolve(anchor < 0 ? target : target.substring(0, anchor));
        assertThat(resolved).as("link %s in %s", target, REPO.relativize(document)).exists();
      }
    }
  }
}
