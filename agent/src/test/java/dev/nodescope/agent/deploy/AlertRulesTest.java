package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.it.Processes;
import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Prometheus rule files of alerts/: promtool accepts them, its unit tests (alerts/tests/) pass
 * and see every alert both firing and not firing, each alert carries runbook text, and every metric
 * it reads is one the agent exports.
 */
class AlertRulesTest {
  static final Path ALERTS = ExportedNames.REPO.resolve("alerts");
  private static final Path TESTS = ALERTS.resolve("tests");
  private static final Duration PROMTOOL_LIMIT = Duration.ofSeconds(60);

  /** Each rule file's parsed YAML, by file name. */
  static Map<String, Map<String, Object>> ruleFiles() throws IOException {
    Map<String, Map<String, Object>> files = new LinkedHashMap<>();
    for (Path file : list(ALERTS, ".rules.yaml")) {
      files.put(file.getFileName().toString(), yaml().load(Files.readString(file)));
    }
    return files;
  }

  /** Every alerting rule of every file. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> alerts() throws IOException {
    List<Map<String, Object>> alerts = new ArrayList<>();
    for (Map<String, Object> file : ruleFiles().values()) {
      for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
        for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
          if (rule.containsKey("alert")) {
            alerts.add(rule);
          }
        }
      }
    }
    return alerts;
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasSeveritySummaryAndRunbook() throws IOException {
    List<Map<String, Object>> alerts = alerts();
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
    Set<String> names = new TreeSet<>();
    for (Map<String, Object> alert : alerts) {
      String name = (String) alert.get("alert");
      assertThat(names.add(name)).as("alert %s defined once", name).isTrue();
      assertThat(name).startsWith("Nodescope");
      Map<String, String> labels = (Map<String, String>) alert.get("labels");
      assertThat(labels.get("severity"))
          .as("severity of %s", name)
          .isIn("critical", "warning", "info");
      Map<String, String> annotations = (Map<String, String>) alert.get("annotations");
      assertThat(annotations.get("summary")).as("summary of %s", name).isNotBlank();
      assertThat(annotations.get("runbook")).as("runbook of %s", name).hasSizeGreaterThan(200);
    }
  }

  @Test
  void everyMetricAnAlertReadsIsExported() throws IOException {
    Set<String> usable = ExportedNames.usableMetrics();
    for (Map<String, Object> alert : alerts()) {
      Set<String> used = PromQl.metricNames((String) alert.get("expr"));
      assertThat(used).as("metrics of %s", alert.get("alert")).isNotEmpty();
      assertThat(usable)
          .as("metrics the agent exports, read by %s", alert.get("alert"))
          .containsAll(used);
    }
  }

  @Test
  void promtoolChecksTheRuleFiles() throws Exception {
    Capabilities.requireCommand("promtool");
    List<String> command = new ArrayList<>(List.of("promtool", "check", "rules"));
    list(ALERTS, ".rules.yaml").forEach(file -> command.add(file.toString()));
    Processes.Result result = Processes.run(command, new byte[0], PROMTOOL_LIMIT);
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  /**
   * promtool runs the unit tests on the shipped rule files, as {@code cd alerts/tests && promtool
   * test rules *.yaml} does; it compares annotations in full, so the summary and runbook templates
   * are tested with the expressions.
   */
  @Test
  void promtoolUnitTestsPass() throws Exception {
    Capabilities.requireCommand("promtool");
    List<String> command = new ArrayList<>(List.of("promtool", "test", "rules"));
    list(TESTS, ".test.yaml").forEach(test -> command.add(test.toString()));
    Processes.Result result = Processes.run(command, new byte[0], PROMTOOL_LIMIT);
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  /** Every alert the unit tests expect to fire states its rendered summary and its runbook. */
  @Test
  @SuppressWarnings("unchecked")
  void firingExpectationsAssertTheAnnotations() throws IOException {
    int expectations = 0;
    for (Path test : list(TESTS, ".test.yaml")) {
      Map<String, Object> file = yaml().load(Files.readString(test));
      for (Map<String, Object> group : (List<Map<String, Object>>) file.get("tests")) {
        for (Map<String, Object> check : (List<Map<String, Object>>) group.get("alert_rule_test")) {
          List<Map<String, Object>> expected = (List<Map<String, Object>>) check.get("exp_alerts");
          for (Map<String, Object> alert :
              expected == null ? List.<Map<String, Object>>of() : expected) {
            Map<String, String> annotations = (Map<String, String>) alert.get("exp_annotations");
            assertThat(annotations)
                .as("exp_annotations of %s in %s", check.get("alertname"), test.getFileName())
                .isNotNull()
                .containsKeys("summary", "runbook");
            expectations++;
          }
        }
      }
    }
    assertThat(expectations).isPositive();
  }

  @Test
  @SuppressWarnings("unchecked")
  void unitTestsSeeEveryAlertFiringAndNotFiring() throws IOException {
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (Path test : list(TESTS, ".test.yaml")) {
      Map<String, Object> file = yaml().load(Files.readString(test));
      for (Map<String, Object> group : (List<Map<String, Object>>) file.get("tests")) {
        for (Map<String, Object> check : (List<Map<String, Object>>) group.get("alert_rule_test")) {
          List<Object> expected = (List<Object>) check.get("exp_alerts");
          (expected == null || expected.isEmpty() ? quiet : firing)
              .add((String) check.get("alertname"));
        }
      }
    }
    List<String> names = alerts().stream().map(alert -> (String) alert.get("alert")).toList();
    assertThat(firing).as("alerts tested firing").containsAll(names);
    assertThat(quiet).as("alerts tested not firing").containsAll(names);
  }

  static List<Path> list(Path directory, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }
}
