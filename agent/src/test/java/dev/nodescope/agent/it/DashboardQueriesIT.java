package dev.nodescope.agent.it;

import static dev.nodescope.agent.it.PrometheusServer.JOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.deploy.Dashboards;
import dev.nodescope.agent.deploy.ExportedNames;
import dev.nodescope.agent.deploy.PromQl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every dashboard, its variables substituted as Grafana would for "All", is accepted
 * by a real Prometheus scraping the jar on the fixture node; and a query that reads only metrics
 * this agent serves there returns data, so a panel is not silently empty because of a wrong label
 * or join.
 */
class DashboardQueriesIT {
  @TempDir Path temp;

  @Test
  void prometheusAnswersEveryDashboardQuery() throws Exception {
    try (AgentProcess agent = AgentProcess.start(temp, FixtureNode.copyTo(temp).pathFlags());
        PrometheusServer prometheus = PrometheusServer.scraping(agent, temp)) {
      Set<String> present = new TreeSet<>(new TextExposition(agent.scrapeText()).metricNames());
      present.addAll(ExportedNames.PROMETHEUS_SCRAPE_SERIES);
      List<Dashboards.Query> queries = new ArrayList<>();
      for (Path file : Dashboards.files()) {
        queries.addAll(Dashboards.queries(Dashboards.load(file)));
      }
      assertThat(queries).hasSizeGreaterThan(40);

      prometheus.awaitAnswer("up{job=\"" + JOB + "\"} == 1");

      List<String> refused = new ArrayList<>();
      for (Dashboards.Query query : queries) {
        try {
          prometheus.query(query.promql());
        } catch (AssertionError badQuery) {
          refused.add(query.dashboard() + " / " + query.source() + ": " + badQuery.getMessage());
        }
      }
      assertThat(refused).as("queries Prometheus refused").isEmpty();

      List<Dashboards.Query> expectData =
          queries.stream()
              .filter(query -> present.containsAll(PromQl.metricNames(query.promql())))
              .toList();
      assertThat(expectData).as("queries answerable on the fixture node").hasSizeGreaterThan(10);
      assertThat(awaitData(prometheus, expectData))
          .as("queries of metrics the agent serves that returned nothing")
          .isEmpty();
    }
  }

  /** Waits until each query returns data (rates need two scrapes); returns those that never did. */
  private static List<String> awaitData(PrometheusServer prometheus, List<Dashboards.Query> queries)
      throws InterruptedException {
    List<String> empty = new ArrayList<>();
    long deadline = System.nanoTime() + PrometheusServer.LIMIT.toNanos();
    for (Dashboards.Query query : queries) {
      while (!prometheus.answers(query.promql()) && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      if (!prometheus.answers(query.promql())) {
        empty.add(query.dashboard() + " / " + query.source() + ": " + query.promql());
      }
    }
    return empty;
  }
}
