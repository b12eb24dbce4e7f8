package dev.nodescope.agent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Grafana dashboards of dashboards/, and the PromQL they send once Grafana has substituted its
 * variables.
 */
public final class Dashboards {
  public static final Path DIRECTORY = ExportedNames.REPO.resolve("dashboards");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

  /**
   * Grafana's built-in interval variables, with values a dashboard would get for a short time
   * range.
   */
  private static final Map<String, String> BUILT_IN =
      Map.of("__rate_interval", "1m", "__interval", "15s", "__range", "5m");

  /** A query of a panel (or of a template variable), as Grafana would send it to Prometheus. */
  public record Query(String dashboard, String source, String promql) {}

  private Dashboards() {}

  public static List<Path> files() throws IOException {
    return AlertRulesTest.list(DIRECTORY, ".json");
  }

  public static Map<String, Object> load(Path file) throws IOException {
    return AlertRulesTest.yaml().load(Files.readString(file)); // JSON is YAML
  }

  /** Panels with their queries, rows unfolded. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
    List<Map<String, Object>> panels = new ArrayList<>();
    for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
      if ("row".equals(panel.get("type"))) {
        panels.addAll((List<Map<String, Object>>) panel.getOrDefault("panels", List.of()));
      } else {
        panels.add(panel);
      }
    }
    return panels;
  }

  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> variables(Map<String, Object> dashboard) {
    return (List<Map<String, Object>>)
        ((Map<String, Object>) dashboard.get("templating")).get("list");
  }

  /**
   * Every query with its variables substituted: a variable matches anything ({@code .*}, the "All"
   * value), and {@code label_values(metric, label)} becomes the equivalent {@code count by (label)
   * (metric)}.
   */
  @SuppressWarnings("unchecked")
  public static List<Query> queries(Map<String, Object> dashboard) {
    String title = (String) dashboard.get("title");
    Set<String> names =
        variables(dashboard).stream()
            .map(variable -> (String) variable.get("name"))
            .collect(Collectors.toSet());
    List<Query> queries = new ArrayList<>();
    for (Map<String, Object> panel : panels(dashboard)) {
      for (Map<String, Object> target : (List<Map<String, Object>>) panel.get("targets")) {
        queries.add(
            new Query(
                title,
                panel.get("title") + " " + target.get("refId"),
                substitute((String) target.get("expr"), names)));
      }
    }
    for (Map<String, Object> variable : variables(dashboard)) {
      if ("query".equals(variable.get("type"))) {
        String query = (String) ((Map<String, Object>) variable.get("query")).get("query");
        Matcher labelValues = LABEL_VALUES.matcher(query);
        String promql =
            labelValues.matches()
                ? "count by (" + labelValues.group(2) + ") (" + labelValues.group(1) + ")"
                : query;
        queries.add(
            new Query(title, "variable " + variable.get("name"), substitute(promql, names)));
      }
    }
    return queries;
  }

  static String substitute(String expression, Set<String> variables) {
    return VARIABLE
        .matcher(expression)
        .replaceAll(
            match -> {
              String name = match.group(1) != null ? match.group(1) : match.group(2);
              String value =
                  BUILT_IN.containsKey(name)
                      ? BUILT_IN.get(name)
                      : variables.contains(name) ? ".*" : null;
              return Matcher.quoteReplacement(value != null ? value : match.group());
            });
  }
}
