package dev.nodescope.agent.cloudwatch;

import static dev.nodescope.agent.cloudwatch.InsightsContext.single;

import dev.nodescope.agent.cloudwatch.PerformanceEvent.Metric;
import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.node.NodeMetrics;
import dev.nodescope.collectors.pods.PodsMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's Container Insights events: Node (CPU, memory, network, running pods), NodeFS (one per
 * filesystem) and NodeNet (one per physical interface).
 */
final class NodeEvents {
  static final List<List<String>> NODE_DIMENSIONS =
      List.of(List.of("NodeName", "InstanceId", "ClusterName"), List.of("ClusterName"));

  private static final List<String> VIRTUAL_INTERFACE_PREFIXES =
      List.of(
          "lo", "veth", "cali", "eni", "lxc", "cni", "docker", "flannel", "cilium", "vxlan", "tunl",
          "kube-");

  /** NodeNet's fields, by the interface counter they are the rate of, in the counters' order. */
  private static final Map<MetricDescriptor, String> INTERFACE_FIELDS = interfaceFields();

  /** The node's capacity, which pod and container utilizations are relative to. */
  record NodeFacts(double cpus, double memoryTotal) {}

  private final InsightsContext context;

  NodeEvents(InsightsContext context) {
    this.context = context;
  }

  NodeFacts map(SnapshotIndex index, List<PerformanceEvent> events) {
    NodeFacts node = node(index, events);
    filesystems(index, events);
    interfaces(index, events);
    return node;
  }

  private NodeFacts node(SnapshotIndex index, List<PerformanceEvent> events) {
    double cpus = single(index, NodeMetrics.CPUS);
    double memoryTotal = single(index, NodeMetrics.MEMORY_TOTAL);
    double memoryUsed = single(index, NodeMetrics.MEMORY_USED);
    List<Row> cpuRows = index.rows(NodeMetrics.CPU_SECONDS);
    double busySeconds = 0;
    long at = 0;
    for (Row row : cpuRows) {
      if (!row.label("mode").equals("idle") && !row.label("mode").equals("iowait")) {
        busySeconds += row.value();
        at = row.atMillis();
      }
    }
    double cores = cpuRows.isEmpty() ? Double.NaN : context.rate("node_cpu_busy", busySeconds, at);
    double networkTotal = 0;
    boolean anyInterface = false;
    for (MetricDescriptor metric :
        List.of(NodeMetrics.NETWORK_RECEIVE_BYTES, NodeMetrics.NETWORK_TRANSMIT_BYTES)) {
      for (Row row : index.rows(metric)) {
        if (physical(row.label("device"))) {
          networkTotal += context.rate(row);
          anyInterface = true;
        }
      }
    }
    long runningPods =
        index.rows(PodsMetrics.POD.workingSet()).stream()
            .map(r -> r.label("uid"))
            .distinct()
            .count();
    if (!Double.isNaN(cpus) || !Double.isNaN(memoryTotal)) {
      events.add(
          new PerformanceEvent(
              "Node",
              context.nodeFields(),
              List.of(
                  new Metric("node_cpu_utilization", cores / cpus * 100, "Percent"),
                  new Metric("node_cpu_usage_total", cores * 1000, "None"),
                  new Metric("node_cpu_limit", cpus * 1000, "None"),
                  new Metric("node_memory_utilization", memoryUsed / memoryTotal * 100, "Percent"),
                  new Metric("node_memory_working_set", memoryUsed, "Bytes"),
                  new Metric("node_memory_limit", memoryTotal, "Bytes"),
                  new Metric(
                      "node_network_total_bytes",
                      anyInterface ? networkTotal : Double.NaN,
                      "Bytes/Second"),
                  new Metric("node_number_of_running_pods", runningPods, "Count")),
              NODE_DIMENSIONS));
    }
    return new NodeFacts(cpus, memoryTotal);
  }

  private void filesystems(SnapshotIndex index, List<PerformanceEvent> events) {
    Map<String, Double> avail = byMountpoint(index.rows(NodeMetrics.FILESYSTEM_AVAIL));
    Map<String, Double> free = byMountpoint(index.rows(NodeMetrics.FILESYSTEM_FREE));
    for (Row size : index.rows(NodeMetrics.FILESYSTEM_SIZE)) {
      String mountpoint = size.label("mountpoint");
      double available = avail.getOrDefault(mountpoint, Double.NaN);
      double used = size.value() - free.getOrDefault(mountpoint, Double.NaN);
      Map<String, Object> fields = context.nodeFields();
      fields.put("device", size.label("device"));
      fields.put("fstype", size.label("fstype"));
      fields.put("mountpoint", mountpoint);
      events.add(
          new PerformanceEvent(
              "NodeFS",
              fields,
              List.of(
                  new Metric(
                      "node_filesystem_utilization", used / (used + available) * 100, "Percent"),
                  new Metric("node_filesystem_capacity", size.value(), "Bytes"),
                  new Metric("node_filesystem_usage", used, "Bytes"),
                  new Metric("node_filesystem_available", available, "Bytes")),
              NODE_DIMENSIONS));
    }
  }

  private void interfaces(SnapshotIndex index, List<PerformanceEvent> events) {
    Map<String, List<Metric>> byInterface = new TreeMap<>();
    INTERFACE_FIELDS.forEach(
        (metric, field) -> {
          for (Row row : index.rows(metric)) {
            if (physical(row.label("device"))) {
              String unit = field.endsWith("bytes") ? "Bytes/Second" : "Count/Second";
              byInterface
                  .computeIfAbsent(row.label("device"), d -> new ArrayList<>())
                  .add(new Metric(field, context.rate(row), unit));
            }
          }
        });
    byInterface.forEach(
        (device, metrics) -> {
          Map<String, Object> fields = context.nodeFields();
          fields.put("interface", device);
          events.add(new PerformanceEvent("NodeNet", fields, metrics, NODE_DIMENSIONS));
        });
  }

  private static Map<MetricDescriptor, String> interfaceFields() {
    Map<MetricDescriptor, String> fields =
        new TreeMap<>(Comparator.comparing(MetricDescriptor::name));
    fields.put(NodeMetrics.NETWORK_RECEIVE_BYTES, "node_interface_network_rx_bytes");
    fields.put(NodeMetrics.NETWORK_TRANSMIT_BYTES, "node_interface_network_tx_bytes");
    fields.put(NodeMetrics.NETWORK_RECEIVE_PACKETS, "node_interface_network_rx_packets");
    fields.put(NodeMetrics.NETWORK_TRANSMIT_PACKETS, "node_interface_network_tx_packets");
    fields.put(NodeMetrics.NETWORK_RECEIVE_ERRORS, "node_interface_network_rx_errors");
    fields.put(NodeMetrics.NETWORK_TRANSMIT_ERRORS, "node_interface_network_tx_errors");
    fields.put(NodeMetrics.NETWORK_RECEIVE_DROPS, "node_interface_network_rx_dropped");
    fields.put(NodeMetrics.NETWORK_TRANSMIT_DROPS, "node_interface_network_tx_dropped");
    return Collections.unmodifiableMap(fields);
  }

  private static boolean physical(String device) {
    return VIRTUAL_INTERFACE_PREFIXES.stream().noneMatch(device::startsWith);
  }

  private static Map<String, Double> byMountpoint(List<Row> rows) {
    Map<String, Double> values = new HashMap<>();
    rows.forEach(row -> values.put(row.label("mountpoint"), row.value()));
    return values;
  }
}
