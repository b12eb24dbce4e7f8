package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.PerformanceEvent.Metric;
import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.PodInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Maps the agent's snapshots to Container Insights performance events, one per entity per interval,
 * under the field names the Container Insights queries and dashboards read: Node, NodeFS, NodeNet,
 * Pod, PodNet, Container, the GPU variants (NodeGPU, PodGPU, ContainerGPU), the Neuron ones
 * (NodeNeuronCore, PodNeuronCore, ContainerNeuronCore, NodeNeuronDevice, NodeNeuron) and PodFlow,
 * one per flow series, so Logs Insights can rank pod-to-pod traffic.
 *
 * <p>Utilizations are percent; network values are bytes per second between the collectors' last two
 * readings (so the first interval has none, as in Container Insights); counts per interval (flows,
 * ECC events, execution errors) are deltas whose first interval carries everything since the agent
 * started.
 */
final class ContainerInsights {
  static final List<List<String>> NODE_DIMENSIONS =
      List.of(List.of("NodeName", "InstanceId", "ClusterName"), List.of("ClusterName"));
  static final List<List<String>> POD_DIMENSIONS =
      List.of(
          List.of("PodName", "Namespace", "ClusterName"),
          List.of("Namespace", "ClusterName"),
          List.of("ClusterName"));
  static final List<List<String>> CONTAINER_DIMENSIONS =
      List.of(List.of("ClusterName", "ContainerName", "Namespace", "PodName"));
  static final List<List<String>> NODE_GPU_DIMENSIONS =
      List.of(
          List.of("ClusterName"),
          List.of("ClusterName", "InstanceId", "NodeName"),
          List.of("ClusterName", "GpuDevice", "InstanceId", "NodeName"));
  static final List<List<String>> POD_GPU_DIMENSIONS =
      List.of(
          List.of("ClusterName", "Namespace"),
          List.of("ClusterName", "Namespace", "PodName"),
          List.of("ClusterName", "FullPodName", "GpuDevice", "Namespace", "PodName"));
  static final List<List<String>> CONTAINER_GPU_DIMENSIONS =
      List.of(
          List.of("ClusterName", "ContainerName", "Namespace", "PodName"),
          List.of(
              "ClusterName", "ContainerName", "FullPodName", "GpuDevice", "Namespace", "PodName"));
  static final List<List<String>> NODE_NEURON_DIMENSIONS =
      List.of(
          List.of("ClusterName"),
          List.of("ClusterName", "InstanceId", "NodeName"),
          List.of("ClusterName", "InstanceId", "NeuronCore", "NeuronDevice", "NodeName"));
  static final List<List<String>> NODE_NEURON_DEVICE_DIMENSIONS =
      List.of(
          List.of("ClusterName"), List.of("ClusterName", "InstanceId", "NeuronDevice", "NodeName"));
  static final List<List<String>> POD_NEURON_DIMENSIONS =
      List.of(
          List.of("ClusterName", "Namespace"),
          List.of("ClusterName", "Namespace", "PodName"),
          List.of(
              "ClusterName", "FullPodName", "Namespace", "NeuronCore", "NeuronDevice", "PodName"));
  static final List<List<String>> CONTAINER_NEURON_DIMENSIONS =
      List.of(
          List.of("ClusterName", "ContainerName", "Namespace", "PodName"),
          List.of(
              "ClusterName",
              "ContainerName",
              "FullPodName",
              "Namespace",
              "NeuronCore",
              "NeuronDevice",
              "PodName"));

  private static final Set<String> PER_POD_OWNER_KINDS = Set.of("StatefulSet", "Pod");
  private static final List<String> NEURON_MEMORY_PARTS =
      List.of("constants", "model_code", "model_shared_scratchpad", "runtime_memory", "tensors");
  private static final List<String> VIRTUAL_INTERFACE_PREFIXES =
      List.of(
          "lo", "veth", "cali", "eni", "lxc", "cni", "docker", "flannel", "cilium", "vxlan", "tunl",
          "kube-");
  private static final double MIB = 1024 * 1024;

  private final String clusterName;
  private final String nodeName;
  private final Map<String, String> instance;
  private final Rates rates = new Rates();
  private final CounterDeltas deltas = new CounterDeltas();

  /** {@code instance}: InstanceId and InstanceType when known (empty off EC2). */
  ContainerInsights(String clusterName, String nodeName, Map<String, String> instance) {
    this.clusterName = clusterName;
    this.nodeName = nodeName;
    this.instance = Map.copyOf(instance);
  }

  List<PerformanceEvent> map(SnapshotIndex index, Map<String, PodInfo> podsByUid) {
    List<PerformanceEvent> events = new ArrayList<>();
    NodeFacts node = node(index, events);
    nodeFilesystems(index, events);
    nodeInterfaces(index, events);
    Map<String, PodInfo> podsByName = new HashMap<>();
    podsByUid.values().forEach(pod -> podsByName.put(pod.namespace() + "/" + pod.name(), pod));
    pods(index, podsByUid, node, events);
    gpus(index, podsByName, events);
    neuron(index, podsByName, events);
    flows(index, podsByName, events);
    rates.endInterval();
    deltas.endInterval();
    return events;
  }

  private record NodeFacts(double cpus, double memoryTotal) {}

  private Map<String, Object> nodeFields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("ClusterName", clusterName);
    fields.put("NodeName", nodeName);
    fields.putAll(instance);
    fields.put("Sources", List.of("nodescope"));
    return fields;
  }

  private NodeFacts node(SnapshotIndex index, List<PerformanceEvent> events) {
    double cpus = single(index, "nodescope_node_cpus");
    double memoryTotal = single(index, "nodescope_node_memory_total_bytes");
    double memoryUsed = single(index, "nodescope_node_memory_used_bytes");
    List<Row> cpuRows = index.rows("nodescope_node_cpu_seconds_total");
    double busySeconds = 0;
    long at = 0;
    for (Row row : cpuRows) {
      if (!row.label("mode").equals("idle") && !row.label("mode").equals("iowait")) {
        busySeconds += row.value();
        at = row.atMillis();
      }
    }
    double cores =
        cpuRows.isEmpty()
            ? Double.NaN
            : rates.perSecond("node_cpu_busy", Map.of(), busySeconds, at);
    double networkTotal = 0;
    boolean anyInterface = false;
    for (String metric :
        List.of(
            "nodescope_node_network_receive_bytes_total",
            "nodescope_node_network_transmit_bytes_total")) {
      for (Row row : index.rows(metric)) {
        if (physical(row.label("device"))) {
          networkTotal += rate(row);
          anyInterface = true;
        }
      }
    }
    long runningPods =
        index.rows("nodescope_pod_memory_working_set_bytes").stream()
            .map(r -> r.label("uid"))
            .distinct()
            .count();
    if (!Double.isNaN(cpus) || !Double.isNaN(memoryTotal)) {
      events.add(
          new PerformanceEvent(
              "Node",
              nodeFields(),
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

  private void nodeFilesystems(SnapshotIndex index, List<PerformanceEvent> events) {
    Map<String, Double> avail =
        byLabel(index.rows("nodescope_node_filesystem_avail_bytes"), "mountpoint");
    Map<String, Double> free =
        byLabel(index.rows("nodescope_node_filesystem_free_bytes"), "mountpoint");
    for (Row size : index.rows("nodescope_node_filesystem_size_bytes")) {
      String mountpoint = size.label("mountpoint");
      double available = avail.getOrDefault(mountpoint, Double.NaN);
      double used = size.value() - free.getOrDefault(mountpoint, Double.NaN);
      Map<String, Object> fields = nodeFields();
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

  private void nodeInterfaces(SnapshotIndex index, List<PerformanceEvent> events) {
    Map<String, String> names =
        Map.of(
            "nodescope_node_network_receive_bytes_total", "node_interface_network_rx_bytes",
            "nodescope_node_network_transmit_bytes_total", "node_interface_network_tx_bytes",
            "nodescope_node_network_receive_packets_total", "node_interface_network_rx_packets",
            "nodescope_node_network_transmit_packets_total", "node_interface_network_tx_packets",
            "nodescope_node_network_receive_errors_total", "node_interface_network_rx_errors",
            "nodescope_node_network_transmit_errors_total", "node_interface_network_tx_errors",
            "nodescope_node_network_receive_drops_total", "node_interface_network_rx_dropped",
            "nodescope_node_network_transmit_drops_total", "node_interface_network_tx_dropped");
    Map<String, List<Metric>> byInterface = new TreeMap<>();
    for (Map.Entry<String, String> name : new TreeMap<>(names).entrySet()) {
      for (Row row : index.rows(name.getKey())) {
        if (physical(row.label("device"))) {
          String unit = name.getValue().endsWith("bytes") ? "Bytes/Second" : "Count/Second";
          byInterface
              .computeIfAbsent(row.label("device"), d -> new ArrayList<>())
              .add(new Metric(name.getValue(), rate(row), unit));
        }
      }
    }
    byInterface.forEach(
        (device, metrics) -> {
          Map<String, Object> fields = nodeFields();
          fields.put("interface", device);
          events.add(new PerformanceEvent("NodeNet", fields, metrics, NODE_DIMENSIONS));
        });
  }

  private void pods(
      SnapshotIndex index,
      Map<String, PodInfo> podsByUid,
      NodeFacts node,
      List<PerformanceEvent> events) {
    Map<String, Double> restartsByPod = new HashMap<>();
    Map<String, Double> restartsByContainer = new HashMap<>();
    for (Row row : index.rows("nodescope_pod_container_restarts_total")) {
      String pod = row.label("namespace") + "/" + row.label("pod");
      restartsByPod.merge(pod, row.value(), Double::sum);
      restartsByContainer.put(pod + "/" + row.label("container"), row.value());
    }
    Map<String, Map<String, Row>> podRows =
        groupBy(
            index,
            row -> row.label("uid"),
            "nodescope_pod_cpu_usage_seconds_total",
            "nodescope_pod_memory_working_set_bytes",
            "nodescope_pod_cpu_limit_cores",
            "nodescope_pod_memory_limit_bytes",
            "nodescope_pod_network_receive_bytes_total",
            "nodescope_pod_network_transmit_bytes_total",
            "nodescope_pod_network_receive_packets_total",
            "nodescope_pod_network_transmit_packets_total");
    podRows.forEach(
        (uid, rows) -> {
          PodIdentity pod = identity(podsByUid.get(uid), rows.values().iterator().next(), uid);
          double rx = rate(rows.get("nodescope_pod_network_receive_bytes_total"));
          double tx = rate(rows.get("nodescope_pod_network_transmit_bytes_total"));
          List<Metric> metrics = cpuAndMemory("pod", rows, node);
          metrics.add(new Metric("pod_network_rx_bytes", rx, "Bytes/Second"));
          metrics.add(new Metric("pod_network_tx_bytes", tx, "Bytes/Second"));
          metrics.add(
              new Metric(
                  "pod_number_of_container_restarts",
                  restartsByPod.getOrDefault(pod.namespace() + "/" + pod.fullName(), Double.NaN),
                  "Count"));
          events.add(new PerformanceEvent("Pod", pod.fields(null), metrics, POD_DIMENSIONS));
          if (rows.containsKey("nodescope_pod_network_receive_bytes_total")) {
            events.add(
                new PerformanceEvent(
                    "PodNet",
                    pod.fields(null),
                    List.of(
                        new Metric("pod_interface_network_rx_bytes", rx, "Bytes/Second"),
                        new Metric("pod_interface_network_tx_bytes", tx, "Bytes/Second"),
                        new Metric(
                            "pod_interface_network_rx_packets",
                            rate(rows.get("nodescope_pod_network_receive_packets_total")),
                            "Count/Second"),
                        new Metric(
                            "pod_interface_network_tx_packets",
                            rate(rows.get("nodescope_pod_network_transmit_packets_total")),
                            "Count/Second")),
                    List.of()));
          }
        });
    Map<String, Map<String, Row>> containerRows =
        groupBy(
            index,
            row -> row.label("uid") + "/" + row.label("container"),
            "nodescope_container_cpu_usage_seconds_total",
            "nodescope_container_memory_working_set_bytes",
            "nodescope_container_cpu_limit_cores",
            "nodescope_container_memory_limit_bytes");
    containerRows.forEach(
        (key, rows) -> {
          Row any = rows.values().iterator().next();
          PodIdentity pod = identity(podsByUid.get(any.label("uid")), any, any.label("uid"));
          String container = any.label("container");
          List<Metric> metrics = cpuAndMemory("container", rows, node);
          metrics.add(
              new Metric(
                  "number_of_container_restarts",
                  restartsByContainer.getOrDefault(
                      pod.namespace() + "/" + pod.fullName() + "/" + container, Double.NaN),
                  "Count"));
          events.add(
              new PerformanceEvent(
                  "Container", pod.fields(container), metrics, CONTAINER_DIMENSIONS));
        });
  }

  /**
   * CPU and memory of a pod or a container ({@code entity}) from its {@code nodescope_<entity>_*}
   * rows: usage, limits, and utilization of the node and of the limit, in a list the caller adds
   * its own metrics to.
   */
  private List<Metric> cpuAndMemory(String entity, Map<String, Row> rows, NodeFacts node) {
    String source = "nodescope_" + entity + "_";
    double cores = rate(rows.get(source + "cpu_usage_seconds_total"));
    double workingSet = value(rows.get(source + "memory_working_set_bytes"));
    double cpuLimit = value(rows.get(source + "cpu_limit_cores"));
    double memoryLimit = value(rows.get(source + "memory_limit_bytes"));
    String overLimit = "_over_" + entity + "_limit";
    return new ArrayList<>(
        List.of(
            new Metric(entity + "_cpu_utilization", cores / node.cpus() * 100, "Percent"),
            new Metric(entity + "_cpu_usage_total", cores * 1000, "None"),
            new Metric(entity + "_cpu_limit", cpuLimit * 1000, "None"),
            new Metric(entity + "_cpu_utilization" + overLimit, cores / cpuLimit * 100, "Percent"),
            new Metric(
                entity + "_memory_utilization", workingSet / node.memoryTotal() * 100, "Percent"),
            new Metric(entity + "_memory_working_set", workingSet, "Bytes"),
            new Metric(entity + "_memory_limit", memoryLimit, "Bytes"),
            new Metric(
                entity + "_memory_utilization" + overLimit,
                workingSet / memoryLimit * 100,
                "Percent")));
  }

  /**
   * GPM activity ratios (DCGM_FI_PROF_*) as fields of the GPU events, in percent or bytes per
   * second. Container Insights publishes tensor-core utilization as a metric; the others have no
   * Container Insights metric, so they stay in the log (for Logs Insights) rather than add six
   * billed metrics per GPU and dimension set.
   */
  private static final Map<String, String> GPU_ACTIVITY =
      Map.of(
          "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gpu_tensor_core_utilization",
          "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gpu_graphics_engine_utilization",
          "DCGM_FI_PROF_SM_ACTIVE", "gpu_sm_utilization",
          "DCGM_FI_PROF_SM_OCCUPANCY", "gpu_sm_occupancy",
          "DCGM_FI_PROF_DRAM_ACTIVE", "gpu_dram_utilization",
          "DCGM_FI_PROF_PCIE_TX_BYTES", "gpu_pcie_tx_bytes",
          "DCGM_FI_PROF_PCIE_RX_BYTES", "gpu_pcie_rx_bytes");

  private static final Set<String> PUBLISHED_GPU_ACTIVITY = Set.of("gpu_tensor_core_utilization");

  private void gpus(
      SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    List<String> metrics =
        new ArrayList<>(
            List.of(
                "DCGM_FI_DEV_GPU_UTIL",
                "DCGM_FI_DEV_FB_USED",
                "DCGM_FI_DEV_FB_FREE",
                "DCGM_FI_DEV_FB_RESERVED",
                "DCGM_FI_DEV_POWER_USAGE",
                "DCGM_FI_DEV_GPU_TEMP"));
    metrics.addAll(new TreeMap<>(GPU_ACTIVITY).keySet());
    // Whole GPUs only: MIG instances (GPU_I_ID set) share their GPU's UUID and would overwrite its
    // values.
    Map<String, Map<String, Row>> gpus =
        groupBy(
            index,
            row -> row.label("GPU_I_ID").isEmpty() ? row.label("UUID") : null,
            metrics.toArray(String[]::new));
    gpus.forEach(
        (uuid, rows) -> {
          Row any = rows.values().iterator().next();
          double used = value(rows.get("DCGM_FI_DEV_FB_USED"));
          double free = value(rows.get("DCGM_FI_DEV_FB_FREE"));
          double reserved =
              rows.containsKey("DCGM_FI_DEV_FB_RESERVED")
                  ? value(rows.get("DCGM_FI_DEV_FB_RESERVED"))
                  : 0;
          List<Metric> values = new ArrayList<>();
          values.add(
              new Metric("gpu_utilization", value(rows.get("DCGM_FI_DEV_GPU_UTIL")), "Percent"));
          values.add(
              new Metric(
                  "gpu_memory_utilization", used / (used + free + reserved) * 100, "Percent"));
          values.add(new Metric("gpu_memory_total", (used + free + reserved) * MIB, "Bytes"));
          values.add(new Metric("gpu_memory_used", used * MIB, "Bytes"));
          values.add(
              new Metric("gpu_power_draw", value(rows.get("DCGM_FI_DEV_POWER_USAGE")), "None"));
          values.add(
              new Metric("gpu_temperature", value(rows.get("DCGM_FI_DEV_GPU_TEMP")), "None"));
          new TreeMap<>(GPU_ACTIVITY)
              .forEach(
                  (metric, name) -> {
                    boolean rate = name.endsWith("_bytes");
                    values.add(
                        new Metric(
                            name,
                            value(rows.get(metric)) * (rate ? 1 : 100),
                            rate ? "Bytes/Second" : "Percent",
                            PUBLISHED_GPU_ACTIVITY.contains(name)));
                  });
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("GpuDevice", any.label("device"));
          extra.put("UUID", uuid);
          extra.put("ModelName", any.label("modelName"));
          deviceEvents(
              "GPU",
              values,
              any,
              podsByName,
              extra,
              events,
              NODE_GPU_DIMENSIONS,
              POD_GPU_DIMENSIONS,
              CONTAINER_GPU_DIMENSIONS);
        });
  }

  private void neuron(
      SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    double coresPerDevice =
        index.rows("neuron_hardware_info").stream()
            .mapToDouble(r -> parse(r.label("neuroncore_per_device_count")))
            .findFirst()
            .orElse(Double.NaN);
    Map<String, Map<String, Double>> cores = new TreeMap<>();
    Map<String, Row> coreOwner = new HashMap<>();
    List<String> metrics = new ArrayList<>(List.of("neuroncore_utilization_ratio"));
    NEURON_MEMORY_PARTS.forEach(part -> metrics.add("neuroncore_memory_usage_" + part));
    for (String metric : metrics) {
      for (Row row : index.rows(metric)) {
        String core = row.label("neuroncore");
        coreOwner.putIfAbsent(core, row);
        // One core is reported once per runtime that uses it: the core's value is their sum.
        cores
            .computeIfAbsent(core, c -> new LinkedHashMap<>())
            .merge(metric, row.value(), Double::sum);
      }
    }
    cores.forEach(
        (core, values) -> {
          List<Metric> mapped = new ArrayList<>();
          mapped.add(
              new Metric(
                  "neuroncore_utilization",
                  values.getOrDefault("neuroncore_utilization_ratio", Double.NaN) * 100,
                  "Percent"));
          double total = 0;
          for (String part : NEURON_MEMORY_PARTS) {
            double bytes = values.getOrDefault("neuroncore_memory_usage_" + part, Double.NaN);
            mapped.add(new Metric("neuroncore_memory_usage_" + part, bytes, "Bytes"));
            total += Double.isNaN(bytes) ? 0 : bytes;
          }
          mapped.add(new Metric("neuroncore_memory_usage_total", total, "Bytes"));
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("NeuronCore", core);
          double device = Math.floor(parse(core) / coresPerDevice);
          if (Double.isFinite(device)) {
            extra.put("NeuronDevice", Long.toString((long) device));
          }
          deviceEvents(
              "NeuronCore",
              mapped,
              coreOwner.get(core),
              podsByName,
              extra,
              events,
              NODE_NEURON_DIMENSIONS,
              POD_NEURON_DIMENSIONS,
              CONTAINER_NEURON_DIMENSIONS);
        });
    Map<String, Double> eccByDevice = new TreeMap<>();
    for (Row row : index.rows("hardware_ecc_events_total")) {
      eccByDevice.merge(row.label("neuron_device_index"), delta(row), Double::sum);
    }
    eccByDevice.forEach(
        (device, count) -> {
          Map<String, Object> fields = nodeFields();
          fields.put("NeuronDevice", device);
          events.add(
              new PerformanceEvent(
                  "NodeNeuronDevice",
                  fields,
                  List.of(new Metric("node_neurondevice_hw_ecc_events_total", count, "Count")),
                  NODE_NEURON_DEVICE_DIMENSIONS));
        });
    List<Row> errors = index.rows("execution_errors_total");
    List<Row> memory = index.rows("neuron_runtime_memory_used_bytes");
    if (!errors.isEmpty() || !memory.isEmpty()) {
      double errorCount = errors.stream().mapToDouble(this::delta).sum();
      double deviceMemory =
          memory.stream()
              .filter(r -> r.label("memory_location").equals("neuron_device"))
              .mapToDouble(Row::value)
              .sum();
      double p50 =
          index.rows("execution_latency_seconds").stream()
              .filter(r -> r.label("percentile").equals("p50"))
              .mapToDouble(Row::value)
              .max()
              .orElse(Double.NaN);
      events.add(
          new PerformanceEvent(
              "NodeNeuron",
              nodeFields(),
              List.of(
                  new Metric("node_neuron_execution_errors_total", errorCount, "Count"),
                  new Metric("node_neurondevice_runtime_memory_used_bytes", deviceMemory, "Bytes"),
                  new Metric("node_neuron_execution_latency", p50, "Seconds")),
              NODE_DIMENSIONS));
    }
  }

  /** A device's node event and, when the kubelet assigned it, its pod and container events. */
  private void deviceEvents(
      String kind,
      List<Metric> values,
      Row labels,
      Map<String, PodInfo> podsByName,
      Map<String, Object> extra,
      List<PerformanceEvent> events,
      List<List<String>> nodeDimensions,
      List<List<String>> podDimensions,
      List<List<String>> containerDimensions) {
    Map<String, Object> nodeFields = nodeFields();
    nodeFields.putAll(extra);
    events.add(
        new PerformanceEvent("Node" + kind, nodeFields, metrics("node_", values), nodeDimensions));
    String namespace = labels.label("namespace");
    String podName = labels.label("pod");
    if (namespace.isEmpty() || podName.isEmpty()) {
      return;
    }
    PodIdentity pod = identity(podsByName.get(namespace + "/" + podName), labels, "");
    Map<String, Object> podFields = pod.fields(null);
    podFields.putAll(extra);
    events.add(
        new PerformanceEvent("Pod" + kind, podFields, metrics("pod_", values), podDimensions));
    if (!labels.label("container").isEmpty()) {
      Map<String, Object> containerFields = pod.fields(labels.label("container"));
      containerFields.putAll(extra);
      events.add(
          new PerformanceEvent(
              "Container" + kind,
              containerFields,
              metrics("container_", values),
              containerDimensions));
    }
  }

  /** The device's metrics named for the node, pod or container event. */
  private static List<Metric> metrics(String prefix, List<Metric> values) {
    return values.stream()
        .map(m -> new Metric(prefix + m.name(), m.value(), m.unit(), m.published()))
        .toList();
  }

  private void flows(
      SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    Map<String, String> metricNames = new LinkedHashMap<>();
    metricNames.put("nodescope_flow_bytes_total", "pod_flow_bytes");
    metricNames.put("nodescope_flow_packets_total", "pod_flow_packets");
    metricNames.put("nodescope_flow_connections_total", "pod_flow_connections");
    metricNames.put("nodescope_flow_active_connections", "pod_flow_active_connections");
    Map<Map<String, String>, List<Metric>> flows = new LinkedHashMap<>();
    metricNames.forEach(
        (metric, name) -> {
          for (Row row : index.rows(metric)) {
            double value = row.counter() ? delta(row) : row.value();
            flows
                .computeIfAbsent(row.labels(), l -> new ArrayList<>())
                .add(new Metric(name, value, name.endsWith("bytes") ? "Bytes" : "Count"));
          }
        });
    flows.forEach(
        (labels, metrics) -> {
          PodInfo local = podsByName.get(labels.get("namespace") + "/" + labels.get("pod"));
          Map<String, Object> fields = nodeFields();
          fields.put("Namespace", labels.get("namespace"));
          fields.put("FullPodName", labels.get("pod"));
          fields.put("PodName", local == null ? labels.get("pod") : workloadPodName(local));
          fields.put("Workload", local == null ? "" : local.ownerName());
          fields.put("WorkloadKind", local == null ? "" : local.ownerKind());
          fields.put("Direction", labels.get("direction"));
          fields.put("RemoteNamespace", labels.get("remote_namespace"));
          fields.put("RemotePod", labels.get("remote_pod"));
          fields.put("RemoteService", labels.get("remote_service"));
          fields.put("RemoteKind", labels.get("remote_kind"));
          fields.put("Locality", labels.get("locality"));
          fields.put("Protocol", labels.get("protocol"));
          fields.put("Port", labels.get("port"));
          fields.put("Role", labels.get("role"));
          events.add(new PerformanceEvent("PodFlow", fields, metrics, List.of()));
        });
  }

  /** Who a pod is: its metadata when known, else what the series' labels say. */
  private record PodIdentity(
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

  private PodIdentity identity(PodInfo info, Row labels, String uid) {
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

  private double rate(Row row) {
    return row == null
        ? Double.NaN
        : rates.perSecond(row.metric(), row.labels(), row.value(), row.atMillis());
  }

  private double delta(Row row) {
    return deltas.delta(new CounterDeltas.SeriesKey(row.metric(), row.labels()), row.value());
  }

  private static double value(Row row) {
    return row == null ? Double.NaN : row.value();
  }

  private static double single(SnapshotIndex index, String metric) {
    List<Row> rows = index.rows(metric);
    return rows.isEmpty() ? Double.NaN : rows.get(0).value();
  }

  private static double parse(String number) {
    try {
      return Double.parseDouble(number);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static boolean physical(String device) {
    return VIRTUAL_INTERFACE_PREFIXES.stream().noneMatch(device::startsWith);
  }

  private static Map<String, Double> byLabel(List<Row> rows, String label) {
    Map<String, Double> values = new HashMap<>();
    rows.forEach(row -> values.put(row.label(label), row.value()));
    return values;
  }

  /**
   * Rows of the given metrics grouped by entity (the key; rows keyed null are left out), each by
   * metric name.
   */
  private static Map<String, Map<String, Row>> groupBy(
      SnapshotIndex index, Function<Row, String> key, String... metrics) {
    Map<String, Map<String, Row>> groups = new TreeMap<>();
    for (String metric : metrics) {
      for (Row row : index.rows(metric)) {
        String group = key.apply(row);
        if (group != null) {
          groups.computeIfAbsent(group, g -> new HashMap<>()).put(metric, row);
        }
      }
    }
    return groups;
  }
}
