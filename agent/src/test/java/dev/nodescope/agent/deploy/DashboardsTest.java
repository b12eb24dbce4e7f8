package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The dashboards import anywhere (the data source is a variable, no fixed uid of ours) and read
 * only metrics the agent exports. That Prometheus accepts every query is DashboardQueriesIT's job.
 */
class DashboardsTest {
  private static final Map<String, Object> DATASOURCE =
      Map.of("type", "prometheus", "uid", "${datasource}");

  @Test
  @SuppressWarnings("unchecked")
  void everyPanelAndQueryUsesTheDataSourceVariable() throws IOException {
    Set<String> uids = new HashSet<>();
    for (Path file : Dashboards.files()) {
      Map<String, Object> dashboard = Dashboards.load(file);
      assertThat(uids.add((String) dashboard.get("uid"))).as("uid of %s is unique", file).isTrue();
      assertThat(Files.readString(file))
          .as("%s refers to no fixed data source", file)
          .doesNotContain("${DS_");
      assertThat(Dashboards.variables(dashboard))
          .as("variables of %s", file)
          .anySatisfy(
              variable ->
                  assertThat(variable)
                      .containsEntry("name", "datasource")
                      .containsEntry("type", "datasource")
                      .containsEntry("query", "prometheus"));
      Set<Object> ids = new HashSet<>();
      for (Map<String, Object> panel : Dashboards.panels(dashboard)) {
        String title = file.getFileName() + ": " + panel.get("title");
        assertThat(ids.add(panel.get("id"))).as("id of %s is unique", title).isTrue();
        assertThat(panel.get("datasource")).as("data source of %s", title).isEqualTo(DATASOURCE);
        List<Map<String, Object>> targets = (List<Map<String, Object>>) panel.get("targets");
        assertThat(targets)
            .as("queries of %s", title)
            .isNotEmpty()
            .allSatisfy(target -> assertThat(target.get("datasource")).isEqualTo(DATASOURCE));
        Map<String, Integer> grid = (Map<String, Integer>) panel.get("gridPos");
        assertThat(grid.get("x") + grid.get("w")).as("width of %s", title).isLessThanOrEqualTo(24);
      }
    }
  }

  @Test
  void everyMetricADashboardReadsIsExported() throws IOException {
    Set<String> usable = ExportedNames.usableMetrics();
    for (Path file : Dashboards.files()) {
      for (Dashboards.Query query : Dashboards.queries(Dashboards.load(file))) {
        assertThat(usable)
            .as(
                "metrics the agent exports, read by %s / %s: %s",
                query.dashboard(), query.source(), query.promql())
            .containsAll(PromQl.metricNames(query.promql()));
      }
    }
  }

  @Test
  void dashboardsCoverWhatTheyPromise() throws IOException {
    assertThat(panelTypes("flows.json")).contains("nodeGraph");
    assertThat(allQueries("flows.json"))
        .contains(
            "locality=\"cross-zone\"",
            "nodescope_conntrack_entries_limit",
            "insert_failed",
            "nodescope_ena_pps_allowance_exceeded_total",
            "nodescope_pod_info");
    assertThat(allQueries("gpu.json"))
        .contains(
            "GPU_I_ID",
            "by (namespace, pod)",
            "DCGM_FI_PROF_SM_ACTIVE",
            "nodescope_gpu_xid_errors_total");
    assertThat(allQueries("neuron.json"))
        .contains(
            "neuroncore",
            "by (namespace, pod)",
            "execution_errors_total",
            "execution_latency_seconds",
            "hardware_ecc_events_total");
    assertThat(allQueries("agent.json"))
        .contains(
            "nodescope_collector_success",
            "nodescope_collector_duration_seconds",
            "scrape_duration_seconds",
            "scrape_samples_scraped",
            "nodescope_cloudwatch_values_sent_total",
            "nodescope_cloudwatch_values_dropped_total");
    assertThat(allQueries("nodes.json"))
        .contains(
            "nodescope_node_cpu_seconds_total",
            "nodescope_pod_memory_working_set_bytes",
            "nodescope_pod_memory_limit_bytes",
            "nodescope_pod_container_restarts_total");
  }

  @Test
  void substitutesOnlyGrafanaVariables() {
    assertThat(
            Dashboards.substitute(
                "label_replace(rate(x{a=~\"$node\", b=~\"${namespace}\"}[$__rate_interval]), \"d\", \"$1\", \"s\", \"(.*)\")",
                Set.of("node", "namespace")))
        .isEqualTo(
            "label_replace(rate(x{a=~\".*\", b=~\".*\"}[1m]), \"d\", \"$1\", \"s\", \"(.*)\")");
  }

  private static Set<String> panelTypes(String file) throws IOException {
    return Dashboards.panels(Dashboards.load(Dashboards.DIRECTORY.resolve(file))).stream()
        .map(panel -> (String) panel.get("type"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static String allQueries(String file) throws IOException {
    return Dashboards.queries(Dashboards.load(Dashboards.DIRECTORY.resolve(file))).stream()
        .map(Dashboards.Query::promql)
        .collect(Collectors.joining("\n"));
  }
}
