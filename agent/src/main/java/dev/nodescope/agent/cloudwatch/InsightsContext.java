package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What every Container Insights event family shares: the node's identifying fields, who a pod is,
 * and the rates and per-interval deltas of counters between the bridge's intervals.
 */
final class InsightsContext {
  private static final Set<String> PER_POD_OWNER_KINDS = Set.of("StatefulSet", "Pod");

  private final String clusterName;
  private final String nodeName;
  private final Map<String, String> instance;
  private final Rates rates = new Rates();
  private final CounterDeltas deltas = new CounterDeltas();

  /** {@code instance}: InstanceId and InstanceType when known (empty off EC2). */
  InsightsContext(String clusterName, String nodeName, Map<String, String> instance) {
    this.clusterName = clusterName;
    this.nodeName = nodeName;
    this.instance = Map.copyOf(instance);
  }

  /** The fields that name the node, in a fresh map the caller may add to. */
  Map<String, Object> nodeFields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("ClusterName", clusterName);
    fields.put("NodeName", nodeName);
    fields.putAll(instance);
    fields.put("Sources", List.of("nodescope"));
    return fields;
  }

  /** Ends the interval: series not read in it are forgotten. */
  void endInterval() {
    rates.endInterval();
    deltas.endInterval();
  }

  double rate(Row row) {
    return row == null
        ? Double.NaN
        : rates.perSecond(row.metric(), row.labels(), row.value(), row.atMillis());
  }

  /** Per-second rate of a sum of counters the caller names by {@code key}. */
  double rate(String key, double value, long atMillis) {
    return rates.perSecond(key, Map.of(), value, atMillis);
  }

  double delta(Row row) {
    return deltas.delta(new CounterDeltas.SeriesKey(row.metric(), row.labels()), row.value());
  }

  /** Who a pod is: its metadata when known, else what the series' labels say. */
  record PodIdentity(
      String namespace,
      String fullName,
      String podName,
      String uid,
      String ownerKind,
      String ownerName,
      Map<String, Object> base) {
    Map<String, Object> fields(String container) {
      Map<String, Object> fields = new LinkedHashMap<>(base);
      fields.put("PodName", podName);
      fields.put("FullPodName", fullName);
      fields.put("Namespace", namespace);
      Map<String, Object> kubernetes = new LinkedHashMap<>();
      kubernetes.put("host", base.get("NodeName"));
      kubernetes.put("namespace_name", namespace);
      kubernetes.put("pod_name", fullName);
      if (!uid.isEmpty()) {
        kubernetes.put("pod_id", uid);
      }
      if (!ownerKind.isEmpty()) {
        kubernetes.put(
            "pod_owners", List.of(Map.of("owner_kind", ownerKind, "owner_name", ownerName)));
      }
      if (container != null) {
        fields.put("ContainerName", container);
        kubernetes.put("container_name", container);
      }
      fields.put("kubernetes", kubernetes);
      return fields;
    }
  }

  PodIdentity identity(PodInfo info, Row labels, String uid) {
    if (info != null) {
      return new PodIdentity(
          info.namespace(),
          info.name(),
          workloadPodName(info),
          info.uid(),
          info.ownerKind(),
          info.ownerName(),
          nodeFields());
    }
    String namespace = labels.label("namespace").isEmpty() ? "unknown" : labels.label("namespace");
    String name = labels.label("pod").isEmpty() ? uid : labels.label("pod");
    return new PodIdentity(namespace, name, name, uid, "", "", nodeFields());
  }

  /**
   * Container Insights' PodName: the workload's name for pods of a Deployment, DaemonSet or Job
   * (whose pod names change with every rollout), the pod's own name otherwise; FullPodName is
   * always the pod's name.
   */
  static String workloadPodName(PodInfo pod) {
    return PER_POD_OWNER_KINDS.contains(pod.ownerKind()) ? pod.name() : pod.ownerName();
  }

  static double value(Row row) {
    return row == null ? Double.NaN : row.value();
  }

  static double single(SnapshotIndex index, MetricDescriptor metric) {
    List<Row> rows = index.rows(metric);
    return rows.isEmpty() ? Double.NaN : rows.get(0).value();
  }

  static double parse(String number) {
    try {
      return Double.parseDouble(number);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** One entity's rows, one per metric. */
  record EntityRows(Map<String, Row> byMetric) {
    Row get(MetricDescriptor metric) {
      return byMetric.get(metric.name());
    }

    boolean has(MetricDescriptor metric) {
      return byMetric.containsKey(metric.name());
    }

    /** A row of the entity, for the labels all its rows share. */
    Row any() {
      return byMetric.values().iterator().next();
    }
  }

  /**
   * Rows of the given metrics grouped by entity (the key; rows keyed null are left out), in the
   * order of their keys.
   */
  static Map<String, EntityRows> groupBy(
      SnapshotIndex index, Function<Row, String> key, List<MetricDescriptor> metrics) {
    Map<String, Map<String, Row>> groups = new TreeMap<>();
    for (MetricDescriptor metric : metrics) {
      for (Row row : index.rows(metric)) {
        String group = key.apply(row);
        if (group != null) {
          groups.computeIfAbsent(group, g -> new HashMap<>()).put(metric.name(), row);
        }
      }
    }
    Map<String, EntityRows> entities = new LinkedHashMap<>();
    groups.forEach((group, rows) -> entities.put(group, new EntityRows(rows)));
    return entities;
  }
}
