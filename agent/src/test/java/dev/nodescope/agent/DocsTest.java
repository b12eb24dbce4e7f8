package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocsTest {
  private static final Path README = Path.of("..", "README.md");

  /** Fails while the README's tables are stale; {@code -Ddocs.update=true} rewrites them. */
  @Test
  void readmeTablesAgreeWithTheCode() throws IOException {
    String current = Files.readString(README);
    String generated = Docs.update(current, CollectorCatalog.standard());
    if (Boolean.getBoolean("docs.update")) {
      Files.writeString(README, generated);
      return;
    }
    assertThat(current)
        .as(
            "README.md tables differ from the code: run dev.nodescope.agent.Docs README.md "
                + "(or this test with -Ddocs.update=true)")
        .isEqualTo(generated);
  }

  @Test
  void readmeDocumentsEveryFlagAndMetricOfTheStandardBuild() throws IOException {
    String readme = Files.readString(README);
    CollectorCatalog catalog = CollectorCatalog.standard();
    List<Flag<?>> flags = new java.util.ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    for (Flag<?> flag : flags) {
      assertThat(readme)
          .contains((flag.isBoolean() ? "`--[no-]" : "`--") + flag.name())
          .contains(flag.help().replace("|", "\\|"));
    }
    catalog
        .metrics()
        .values()
        .forEach(
            metrics -> metrics.forEach(d -> assertThat(readme).contains("| `" + d.name() + "` |")));
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

    String document =
        "before\n"
            + Docs.begin(Docs.FLAGS)
            + "\nstale\n"
            + Docs.end(Docs.FLAGS)
            + "\nmiddle\n"
            + Docs.begin(Docs.METRICS)
            + "\n"
            + Docs.end(Docs.METRICS)
            + "\nafter\n";
    String updated = Docs.update(document, catalog);

    assertThat(updated)
        .startsWith("before\n")
        .contains("\nmiddle\n")
        .endsWith("\nafter\n")
        .doesNotContain("stale")
        .contains(
            "| `--web.listen-address=STRING` | `:9101` | "
                + AgentFlags.LISTEN_ADDRESS.help()
                + " |\n")
        .contains("| `--config.file=PATH` | | ")
        .contains(
            "| `--[no-]collector.fake` | `true` | Enable the fake collector: a test collector |\n")
        .contains("| `--collector.fake.interval=DURATION` | `1s` | ")
        .contains(
            "### Collector `fake`\n\na test collector Enabled by default: yes; runs every 1s.\n")
        .contains(
            "| `fake_bytes_total` | counter | `device`, `direction` | Bytes \\| with a pipe. |\n")
        .contains("| `fake_info` | info | `version` | What it is. |\n")
        .contains("| `nodescope_collector_errors_total` | counter | `collector` | ");
    assertThat(Docs.update(updated, catalog)).as("regenerating is stable").isEqualTo(updated);
  }

  @Test
  void aDocumentWithoutMarkersIsAnError() {
    assertThatThrownBy(() -> Docs.update("# README\n", CollectorCatalog.standard()))
        .hasMessageContaining("README lacks the markers");
  }
}
