package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture node's /proc disappears under a running agent: the collectors reading it count errors
 * (a collector whose whole run fails keeps its last series), say so once in the log, and the
 * endpoint goes on serving valid expositions.
 */
class CollectorSourceLossIT {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir Path temp;

  @Test
  void losingProcfsRaisesErrorsWhileTheEndpointKeepsServing() throws Exception {
    FixtureNode node = FixtureNode.copyTo(temp);
    List<String> args = new ArrayList<>(node.pathFlags());
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      // Short intervals so that the loss shows within seconds; the timeout may not exceed the
      // interval.
      args.add("--collector." + factory.name() + ".interval=500ms");
      args.add("--collector." + factory.name() + ".timeout=500ms");
    }
    try (AgentProcess agent = AgentProcess.start(temp, args)) {
      TextExposition before = new TextExposition(agent.scrapeText());
      Map<String, Double> succeeding = before.byCollector("nodescope_collector_success");
      succeeding.values().removeIf(value -> value != 1);
      // The node collector reads only the fixture /proc, so at least it must succeed before its
      // source is taken.
      assertThat(succeeding).as("collectors succeeding on the fixture node").containsKey("node");

      node.removeProcfs();

      Set<String> failing = awaitFailing(agent, succeeding.keySet(), before);
      assertThat(failing).as("collectors that counted errors once /proc was gone").isNotEmpty();
      // A failed run may have been under way while the files went, and seen only some of them gone:
      // the log is counted after two more of each, the second begun once the first had ended, after
      // the files were gone.
      awaitAnotherFailedRun(agent, failing);
      awaitAnotherFailedRun(agent, failing);
      String during = agent.scrapeText();
      Conformance.assertPromtoolFindsNothing(during);
      TextExposition after = new TextExposition(during);
      for (String collector : failing) {
        if (after.byCollector("nodescope_collector_success").get(collector) == 0) {
          Set<String> itsNames = new HashSet<>(before.metricNames());
          itsNames.retainAll(descriptorNames(collector));
          assertThat(after.metricNames())
              .as("series of %s kept from its last good run", collector)
              .containsAll(itsNames);
        }
      }
      assertThat(agent.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(agent.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(agent.isAlive()).isTrue();
      Map<String, Long> logLines = new HashMap<>();
      failing.forEach(collector -> logLines.put(collector, countLines(agent.log(), collector)));
      Thread.sleep(2000); // four more failed runs
      failing.forEach(
          collector ->
              assertThat(countLines(agent.log(), collector))
                  .as(
                      "log lines of %s: said once, not once per run; the log:%n%s",
                      collector, agent.log())
                  .isEqualTo(logLines.get(collector)));
    }
  }

  /**
   * Waits until some collector that succeeded counts more errors than before: a failed run, or
   * partial failures when it reads each file on its own.
   */
  private static Set<String> awaitFailing(
      AgentProcess agent, Set<String> collectors, TextExposition before) throws Exception {
    Map<String, Double> errorsBefore = before.byCollector("nodescope_collector_errors_total");
    long deadline = System.nanoTime() + LIMIT.toNanos();
    Set<String> failing = new TreeSet<>();
    while (failing.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      Map<String, Double> errors =
          new TextExposition(agent.scrapeText()).byCollector("nodescope_collector_errors_total");
      for (String collector : collectors) {
        if (errors.get(collector) > errorsBefore.get(collector)) {
          failing.add(collector);
        }
      }
    }
    return failing;
  }

  /** Waits until each of the collectors counts more errors than it has now. */
  private static void awaitAnotherFailedRun(AgentProcess agent, Set<String> collectors)
      throws Exception {
    Map<String, Double> errorsBefore =
        new TextExposition(agent.scrapeText()).byCollector("nodescope_collector_errors_total");
    long deadline = System.nanoTime() + LIMIT.toNanos();
    Set<String> waiting = new TreeSet<>(collectors);
    while (!waiting.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      Map<String, Double> errors =
          new TextExposition(agent.scrapeText()).byCollector("nodescope_collector_errors_total");
      waiting.removeIf(collector -> errors.get(collector) > errorsBefore.get(collector));
    }
    assertThat(waiting).as("failing collectors that did not fail again within %s", LIMIT).isEmpty();
  }

  private static Set<String> descriptorNames(String collector) {
    return CollectorCatalog.standard().factories().stream()
        .filter(factory -> factory.name().equals(collector))
        .flatMap(factory -> factory.descriptors().stream())
        .map(MetricDescriptor::name)
        .collect(Collectors.toSet());
  }

  private static long countLines(String log, String collector) {
    return log.lines().filter(line -> line.contains("collector " + collector)).count();
  }
}
