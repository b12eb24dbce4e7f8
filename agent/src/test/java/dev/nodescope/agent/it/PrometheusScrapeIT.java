package dev.nodescope.agent.it;

import static dev.nodescope.agent.it.PrometheusServer.JOB;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes the jar on the fixture node; its HTTP API must hold every series the
 * agent serves.
 */
class PrometheusScrapeIT {
  @TempDir Path temp;

  @Test
  void prometheusIngestsEverySeriesTheAgentServes() throws Exception {
    FixtureNode node = FixtureNode.copyTo(temp);
    try (AgentProcess agent = AgentProcess.start(temp, node.pathFlags());
        PrometheusServer prometheus = PrometheusServer.scraping(agent, temp)) {
      Set<String> served = new TextExposition(agent.scrapeText()).metricNames();

      prometheus.awaitAnswer("up{job=\"" + JOB + "\"} == 1");
      Map<String, Object> target = prometheus.activeTargets().get(0);
      assertThat(target.get("health")).as("target health").isEqualTo("up");
      assertThat(target.get("lastError")).as("last scrape error").isEqualTo("");

      Set<String> ingested = new TreeSet<>();
      long deadline = System.nanoTime() + PrometheusServer.LIMIT.toNanos();
      while (!ingested.containsAll(served) && System.nanoTime() < deadline) {
        ingested.clear();
        for (Map<String, Object> result :
            prometheus.query("count by (__name__) ({job=\"" + JOB + "\"})")) {
          ingested.add(labels(result).get("__name__"));
        }
        Thread.sleep(200);
      }
      assertThat(ingested).as("metric names in Prometheus").containsAll(served);

      List<Map<String, Object>> build = prometheus.query("nodescope_build_info");
      assertThat(build).hasSize(1);
      assertThat(labels(build.get(0)))
          .containsEntry("job", JOB)
          .containsEntry("instance", agent.target())
          .containsKeys("version", "revision", "javaversion");
      assertThat(value(build.get(0))).isEqualTo("1");

      if (served.contains("nodescope_node_memory_total_bytes")) {
        long memTotalKb =
            Files.readAllLines(node.procfs().resolve("meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal:"))
                .map(line -> line.replaceAll("\\D", ""))
                .mapToLong(Long::parseLong)
                .findFirst()
                .orElseThrow();
        List<Map<String, Object>> memory = prometheus.query("nodescope_node_memory_total_bytes");
        assertThat(Double.parseDouble(value(memory.get(0))))
            .as("MemTotal of the fixture, in bytes")
            .isEqualTo(memTotalKb * 1024.0);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> labels(Map<String, Object> result) {
    return (Map<String, String>) result.get("metric");
  }

  @SuppressWarnings("unchecked")
  private static String value(Map<String, Object> result) {
    return String.valueOf(((List<Object>) result.get("value")).get(1));
  }
}
