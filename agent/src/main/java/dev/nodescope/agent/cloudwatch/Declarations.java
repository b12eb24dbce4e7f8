package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cli.SafeYaml;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.flows.FlowsMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * Which metrics go to PutMetricData, under which name, unit and dimension sets. PutMetricData is
 * billed per metric (name and dimension values) per month, so nothing goes there unless declared. A
 * declaration names a metric as the agent exposes it (e.g. {@code nodescope_flow_bytes_total}), a
 * Container Insights metric the bridge computes (e.g. {@code node_cpu_utilization}) or a scraped
 * metric; a dimension set lists label or field names.
 */
public final class Declarations {
  static final int MAX_DIMENSIONS = 30;
  private static final Set<String> KEYS = Set.of("metric", "name", "unit", "dimensions");

  /**
   * One declared metric; each dimension set becomes one CloudWatch metric per distinct set of
   * values.
   */
  public record Declaration(
      String metric, String name, String unit, List<List<String>> dimensionSets) {
    public Declaration {
      dimensionSets = dimensionSets.stream().map(List::copyOf).toList();
    }
  }

  private Declarations() {}

  /** What goes to PutMetricData with no file: the few metrics alarms and dashboards need. */
  public static List<Declaration> defaults() {
    List<List<String>> node = List.of(List.of("ClusterName", "NodeName"), List.of("ClusterName"));
    List<List<String>> pod = List.of(List.of("ClusterName", "Namespace", "PodName"));
    return List.of(
        new Declaration("node_cpu_utilization", "node_cpu_utilization", "Percent", node),
        new Declaration("node_memory_utilization", "node_memory_utilization", "Percent", node),
        new Declaration("pod_cpu_utilization", "pod_cpu_utilization", "Percent", pod),
        new Declaration("pod_memory_utilization", "pod_memory_utilization", "Percent", pod),
        new Declaration(
            "node_gpu_utilization",
            "node_gpu_utilization",
            "Percent",
            List.of(List.of("ClusterName", "NodeName", "GpuDevice"), List.of("ClusterName"))),
        new Declaration(
            "node_neuroncore_utilization",
            "node_neuroncore_utilization",
            "Percent",
            List.of(List.of("ClusterName", "NodeName", "NeuronCore"), List.of("ClusterName"))),
        new Declaration(
            FlowsMetrics.BYTES.name(),
            "flow_bytes",
            "Bytes",
            List.of(
                List.of("ClusterName", "namespace", "workload", "direction"),
                List.of("ClusterName", "direction", "locality"))));
  }

  public static List<Declaration> load(Path file) throws UsageException {
    Object document;
    try (InputStream in = Files.newInputStream(file)) {
      document = SafeYaml.load(in);
    } catch (IOException e) {
      throw new UsageException(
          "cannot read --cloudwatch.declarations-file " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new UsageException(
          "--cloudwatch.declarations-file "
              + file
              + " is neither YAML nor JSON: "
              + e.getMessage().lines().findFirst().orElse(""));
    }
    try {
      return parse(document);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new UsageException("--cloudwatch.declarations-file " + file + ": " + e.getMessage());
    }
  }

  static List<Declaration> parse(Object document) {
    if (!(document instanceof Map<?, ?> root)
        || !(root.get("metrics") instanceof List<?> metrics)
        || root.size() != 1) {
      throw new IllegalArgumentException(
          "expected a mapping with one key, metrics: a list of declarations");
    }
    List<Declaration> declarations = new ArrayList<>();
    for (Object item : metrics) {
      if (!(item instanceof Map<?, ?> entry)
          || !(entry.get("metric") instanceof String metric)
          || metric.isBlank()) {
        throw new IllegalArgumentException("each declaration needs a metric name: " + item);
      }
      for (Object key : entry.keySet()) {
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(
              "unknown key '"
                  + key
                  + "' in the declaration of "
                  + metric
                  + " (allowed: "
                  + KEYS
                  + ")");
        }
      }
      String name = entry.get("name") == null ? metric : entry.get("name").toString();
      String unit = entry.get("unit") == null ? "None" : entry.get("unit").toString();
      if (StandardUnit.fromValue(unit) == StandardUnit.UNKNOWN_TO_SDK_VERSION) {
        throw new IllegalArgumentException(
            "unit '" + unit + "' of " + metric + " is not a CloudWatch unit");
      }
      declarations.add(
          new Declaration(metric, name, unit, dimensionSets(metric, entry.get("dimensions"))));
    }
    return declarations;
  }

  private static List<List<String>> dimensionSets(String metric, Object value) {
    if (value == null) {
      return List.of(List.of("ClusterName"));
    }
    if (!(value instanceof List<?> sets) || sets.isEmpty()) {
      throw new IllegalArgumentException(
          "dimensions of " + metric + " must be a non-empty list of lists of names");
    }
    List<List<String>> result = new ArrayList<>();
    for (Object set : sets) {
      if (!(set instanceof List<?> names)
          || names.size() > MAX_DIMENSIONS
          || !names.stream().allMatch(n -> n instanceof String s && !s.isBlank())) {
        throw new IllegalArgumentException(
            "each dimension set of "
                + metric
                + " must be a list of at most "
                + MAX_DIMENSIONS
                + " names: "
                + set);
      }
      result.add(names.stream().map(String.class::cast).toList());
    }
    return result;
  }
}
