package dev.nodescope.agent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The autoscaling recipes of examples/autoscaling: the recording rules, the KEDA objects, the
 * prometheus-adapter rules and the HPAs that use them, and the PromQL each sends to Prometheus.
 */
public final class AutoscalingRecipes {
  public static final Path DIRECTORY = ExportedNames.REPO.resolve("examples/autoscaling");
  public static final Path RULES = DIRECTORY.resolve("rules/nodescope-autoscaling.rules.yaml");
  public static final Path RULE_TESTS =
      DIRECTORY.resolve("rules/tests/nodescope-autoscaling.test.yaml");
  public static final Path WORKLOADS = DIRECTORY.resolve("workloads.yaml");
  public static final Path KEDA = DIRECTORY.resolve("keda");
  public static final Path ADAPTER_VALUES = DIRECTORY.resolve("prometheus-adapter/values.yaml");
  public static final Path ADAPTER_HPAS = DIRECTORY.resolve("prometheus-adapter/hpa.yaml");

  /** A query of a recipe: where it comes from and the PromQL sent. */
  public record Query(String source, String promql) {}

  private AutoscalingRecipes() {}

  /** Every YAML document of a file, in order. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> documents(Path file) throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : AlertRulesTest.yaml().loadAll(Files.readString(file))) {
      documents.add((Map<String, Object>) document);
    }
    return documents;
  }

  /** The objects of every file under keda/. */
  public static List<Map<String, Object>> kedaObjects() throws IOException {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Path file : AlertRulesTest.list(KEDA, ".yaml")) {
      objects.addAll(documents(file));
    }
    return objects;
  }

  /** The recording rules, expression by recorded name, in file order. */
  @SuppressWarnings("unchecked")
  public static Map<String, String> recordingRules() throws IOException {
    Map<String, String> rules = new LinkedHashMap<>();
    for (Map<String, Object> group :
        (List<Map<String, Object>>) documents(RULES).get(0).get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        rules.put((String) rule.get("record"), (String) rule.get("expr"));
      }
    }
    return rules;
  }

  /** Every trigger of every ScaledObject under keda/. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> kedaTriggers() throws IOException {
    List<Map<String, Object>> triggers = new ArrayList<>();
    for (Map<String, Object> object : kedaObjects()) {
      if ("ScaledObject".equals(object.get("kind"))) {
        Map<String, Object> spec = (Map<String, Object>) object.get("spec");
        triggers.addAll((List<Map<String, Object>>) spec.get("triggers"));
      }
    }
    return triggers;
  }

  /** The query of each prometheus trigger, as KEDA sends it. */
  @SuppressWarnings("unchecked")
  public static List<Query> kedaQueries() throws IOException {
    List<Query> queries = new ArrayList<>();
    for (Map<String, Object> trigger : kedaTriggers()) {
      if ("prometheus".equals(trigger.get("type"))) {
        Map<String, String> metadata = (Map<String, String>) trigger.get("metadata");
        queries.add(new Query("KEDA trigger " + trigger.get("name"), metadata.get("query")));
      }
    }
    return queries;
  }

  /** The custom rules of the prometheus-adapter values. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> adapterRules() throws IOException {
    Map<String, Object> rules = (Map<String, Object>) documents(ADAPTER_VALUES).get(0).get("rules");
    return (List<Map<String, Object>>) rules.get("custom");
  }

  /** The metric name an adapter rule exposes (its name.as). */
  @SuppressWarnings("unchecked")
  public static String adapterMetric(Map<String, Object> rule) {
    return (String) ((Map<String, Object>) rule.get("name")).get("as");
  }

  /** The one series an adapter rule reads: its seriesQuery's metric name. */
  public static String adapterSeries(Map<String, Object> rule) {
    String seriesQuery = (String) rule.get("seriesQuery");
    return seriesQuery.substring(0, seriesQuery.indexOf('{')).trim();
  }

  /**
   * An adapter rule's metricsQuery as the adapter fills its template for one request: the series,
   * the label matchers of the objects asked about, and the label of their resource to group by.
   */
  public static Query adapterQuery(Map<String, Object> rule, String labelMatchers, String groupBy) {
    String promql =
        ((String) rule.get("metricsQuery"))
            .replace("<<.Series>>", adapterSeries(rule))
            .replace("<<.LabelMatchers>>", labelMatchers)
            .replace("<<.GroupBy>>", groupBy);
    return new Query("adapter metric " + adapterMetric(rule), promql);
  }
}
