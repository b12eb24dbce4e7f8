package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Independent judges of the exposition formats: promtool for the text format, a strict OpenMetrics
 * parser.
 */
final class Conformance {
  /**
   * Debian's interpreter, where python3-prometheus-client lives (a pyenv python3 earlier on the
   * PATH lacks it).
   */
  private static final String PYTHON = "/usr/bin/python3";

  private static final String OPENMETRICS_CHECK =
      """
      import sys
      from prometheus_client.openmetrics.parser import text_string_to_metric_families
      for family in text_string_to_metric_families(sys.stdin.read()):
          pass
      """;

  private Conformance() {}

  /**
   * {@code promtool check metrics}: exit 0 and not a word of output (lint findings are printed, not
   * fatal).
   */
  static void assertPromtoolFindsNothing(String text) throws IOException, InterruptedException {
    Capabilities.requireCommand("promtool");
    Processes.Result result =
        Processes.run(
            List.of("promtool", "check", "metrics"),
            text.getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(30));
    assertThat(result.output()).as("promtool check metrics findings").isEmpty();
    assertThat(result.exitCode()).as("promtool exit code").isZero();
  }

  /**
   * The OpenMetrics parser of the Python client (Debian python3-prometheus-client), which enforces
   * the spec (# EOF, suffixes, info and counter families, escaping). promtool 2.42 lints only the
   * text format.
   */
  static void assertStrictOpenMetrics(String text) throws IOException, InterruptedException {
    boolean present =
        Files.isExecutable(Path.of(PYTHON))
            && Processes.run(
                        List.of(PYTHON, "-c", "import prometheus_client"),
                        new byte[0],
                        Duration.ofSeconds(30))
                    .exitCode()
                == 0;
    Capabilities.require(
        present, "Debian package python3-prometheus-client (scripts/test.sh installs it as root)");
    Processes.Result result =
        Processes.run(
            List.of(PYTHON, "-c", OPENMETRICS_CHECK),
            text.getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(30));
    assertThat(result.output()).as("OpenMetrics parser errors").isEmpty();
    assertThat(result.exitCode()).isZero();
  }
}
