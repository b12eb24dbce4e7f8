package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture node's /proc disappears under a running agent: the collectors reading it count errors and report
 * failure, keep their last series, and the endpoint goes on serving valid expositions.
 */
class CollectorSourceLossIT {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir
  Path temp;

  @Test
  void losingProcfsRaisesErrorsWhileTheEndpointKeepsServing() throws Exception {
    FixtureNode node = FixtureNode.copyTo(temp);
    List<String> args = new ArrayList<>(node.pathFlags());
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      // Short intervals so that the loss shows within seconds; the timeout may not exceed the interval.
      args.add("--collector." + factory.name() + ".interval=500ms");
      args.add("--collector." + factory.name() + ".timeout=500ms");
    }
    try (AgentProcess agent = AgentProcess.start(temp, args)) {
      TextExposition before = new TextExposition(agent.scrapeText());
      Map<String, Double> succeeding = before.byCollector("nodescope_collector_success");
      succeeding.values().removeIf(value -> value != 1);
      if (succeeding.isEmpty()) {
        System.err.println("SKIPPED: no collector of this build succeeds on the fixture node, so none can lose it");
        Assumptions.abort("no collector of this build succeeds on the fixture node");
      }

      node.removeProcfs();

      Set<String> failing = awaitFailing(agent, succeeding.keySet(), before);
      assertThat(failing).as("collectors that noticed /proc was gone").isNotEmpty();
      String during = agent.scrapeText();
      Conformance.assertPromtoolFindsNothing(during);
      TextExposition after = new TextExposition(during);
      assertThat(after.metricNames()).as("series kept from the last good run").containsAll(before.metricNames());
      assertThat(agent.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(agent.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(agent.isAlive()).isTrue();
      Map<String, Long> logLines = new java.util.HashMap<>();
      failing.forEach(collector -> logLines.put(collector, countLines(agent.log(), collector)));
      Thread.sleep(2000); // four more failed runs
      failing.forEach(collector -> assertThat(countLines(agent.log(), collector))
          .as("log lines of %s: said once, not once per run", collector).isEqualTo(logLines.get(collector)));
    }
  }

  /** Waits until some collector that succeeded has failed a run and counted more errors than before. */
  private static Set<String> awaitFailing(AgentProcess agent, Set<String> collectors, TextExposition before)
      throws Exception {
    Map<String, Double> errorsBefore = before.byCollector("nodescope_collector_errors_total");
    long deadline = System.nanoTime() + LIMIT.toNanos();
    Set<String> failing = new java.util.TreeSet<>();
    while (failing.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      TextExposition now = new TextExposition(agent.scrapeText());
      Map<String, Double> errors = now.byCollector("nodescope_collector_errors_total");
      Map<String, Double> success = now.byCollector("nodescope_collector_success");
      for (String collector : collectors) {
        if (errors.get(collector) > errorsBefore.get(collector) && success.get(collector) == 0) {
          failing.add(collector);
        }
      }
    }
    return failing;
  }

  private static long countLines(String log, String collector) {
    return log.lines().filter(line -> line.contains("collector " + collector)).count();
  }
}
