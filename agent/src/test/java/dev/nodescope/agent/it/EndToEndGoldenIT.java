package dev.nodescope.agent.it;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent on the fixture node, scraped once in Prometheus text format, against a golden
 * file: names, help, types, labels and values of everything a fixture determines. Rewrite with
 * {@code -Dgolden.update=true} (run through {@code mvn verify}) and review the diff.
 */
class EndToEndGoldenIT {
  static final String GOLDEN = "golden/end-to-end-fixture-node.prom";

  /**
   * Collectors whose output the fixture trees fully determine; the others read the live kernel,
   * devices or APIs.
   */
  static final Set<String> FIXTURE_DRIVEN = Set.of("node", "pods");

  /**
   * Values no fixture can fix: run durations, and filesystem sizes, which statvfs reads from
   * whatever filesystem holds the fixture's copy of each mount point.
   */
  private static final Pattern VOLATILE_VALUE =
      Pattern.compile(
          "^((?:nodescope_collector_duration_seconds|nodescope_node_filesystem_(?:size|free|avail)_bytes)"
              + "(?:\\{.*})?) \\S+$");

  private static final Pattern BUILD_INFO = Pattern.compile("^nodescope_build_info\\{.*} 1$");

  @TempDir Path temp;

  @Test
  void exposesWhatTheGoldenFileSays() throws Exception {
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      boolean fixed = FIXTURE_DRIVEN.contains(factory.name());
      args.add((fixed ? "--collector." : "--no-collector.") + factory.name());
    }
    try (AgentProcess agent = AgentProcess.start(temp, args)) {
      Golden.assertMatches(normalise(agent.scrapeText()), GOLDEN);
    }
  }

  static String normalise(String exposition) {
    StringBuilder out = new StringBuilder();
    for (String line : exposition.lines().toList()) {
      Matcher volatileValue = VOLATILE_VALUE.matcher(line);
      if (volatileValue.matches()) {
        line = volatileValue.group(1) + " <varies>";
      } else if (BUILD_INFO.matcher(line).matches()) {
        line =
            "nodescope_build_info{javaversion=\"<java>\",revision=\"<revision>\",version=\"<version>\"} 1";
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }
}
