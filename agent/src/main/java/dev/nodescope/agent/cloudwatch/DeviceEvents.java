package dev.nodescope.agent.cloudwatch;

import static dev.nodescope.agent.cloudwatch.InsightsContext.groupBy;
import static dev.nodescope.agent.cloudwatch.InsightsContext.parse;
import static dev.nodescope.agent.cloudwatch.InsightsContext.value;

import dev.nodescope.agent.cloudwatch.InsightsContext.EntityRows;
import dev.nodescope.agent.cloudwatch.InsightsContext.PodIdentity;
import dev.nodescope.agent.cloudwatch.PerformanceEvent.Metric;
import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.neuron.NeuronMetrics;
import dev.nodescope.collectors.nvidia.GpmMetric;
import dev.nodescope.collectors.nvidia.GpuReading;
import dev.nodescope.collectors.nvidia.NvidiaMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Container Insights events of accelerators, each on its node and, when the kubelet assigned
 * it, on its pod and container: NodeGPU, PodGPU and ContainerGPU per GPU; NodeNeuronCore,
 * PodNeuronCore and ContainerNeuronCore per NeuronCore; NodeNeuronDevice per Neuron device and
 * NodeNeuron for the node's Neuron runtimes.
 */
final class DeviceEvents {
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

  private static final double MIB = 1024 * 1024;

  private static final MetricDescriptor GPU_UTIL = NvidiaMetrics.gpu(GpuReading.GPU_UTIL);
  private static final MetricDescriptor FB_USED = NvidiaMetrics.gpu(GpuReading.FB_USED_BYTES);
  private static final MetricDescriptor FB_FREE = NvidiaMetrics.gpu(GpuReading.FB_FREE_BYTES);
  private static final MetricDescriptor FB_RESERVED =
      NvidiaMetrics.gpu(GpuReading.FB_RESERVED_BYTES);
  private static final MetricDescriptor POWER_USAGE =
      NvidiaMetrics.gpu(GpuReading.POWER_USAGE_MILLIWATTS);
  private static final MetricDescriptor GPU_TEMP = NvidiaMetrics.gpu(GpuReading.GPU_TEMP);

  /**
   * GPM activity ratios (DCGM_FI_PROF_*) as fields of the GPU events, in percent or bytes per
   * second, in the order of the series' names. Container Insights publishes tensor-core utilization
   * as a metric; the others have no Container Insights metric, so they stay in the log (for Logs
   * Insights) rather than add six billed metrics per GPU and dimension set.
   */
  private static final Map<MetricDescriptor, String> GPU_ACTIVITY = gpuActivity();

  private static final Set<String> PUBLISHED_GPU_ACTIVITY = Set.of("gpu_tensor_core_utilization");

  private final InsightsContext context;

  DeviceEvents(InsightsContext context) {
    this.context = context;
  }

  void map(SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    gpus(index, podsByName, events);
    neuron(index, podsByName, events);
  }

  private void gpus(
      SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    List<MetricDescriptor> metrics =
        new ArrayList<>(List.of(GPU_UTIL, FB_USED, FB_FREE, FB_RESERVED, POWER_USAGE, GPU_TEMP));
    metrics.addAll(GPU_ACTIVITY.keySet());
    // Whole GPUs only: MIG instances (GPU_I_ID set) share their GPU's UUID and would overwrite its
    // values.
    Map<String, EntityRows> gpus =
        groupBy(index, row -> row.label("GPU_I_ID").isEmpty() ? row.label("UUID") : null, metrics);
    gpus.forEach(
        (uuid, rows) -> {
          Row any = rows.any();
          double used = value(rows.get(FB_USED));
          double free = value(rows.get(FB_FREE));
          double reserved = rows.has(FB_RESERVED) ? value(rows.get(FB_RESERVED)) : 0;
          List<Metric> values = new ArrayList<>();
          values.add(new Metric("gpu_utilization", value(rows.get(GPU_UTIL)), "Percent"));
          values.add(
              new Metric(
                  "gpu_memory_utilization", used / (used + free + reserved) * 100, "Percent"));
          values.add(new Metric("gpu_memory_total", (used + free + reserved) * MIB, "Bytes"));
          values.add(new Metric("gpu_memory_used", used * MIB, "Bytes"));
          values.add(new Metric("gpu_power_draw", value(rows.get(POWER_USAGE)), "None"));
          values.add(new Metric("gpu_temperature", value(rows.get(GPU_TEMP)), "None"));
          GPU_ACTIVITY.forEach(
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
        index.rows(NeuronMetrics.HARDWARE_INFO).stream()
            .mapToDouble(r -> parse(r.label("neuroncore_per_device_count")))
            .findFirst()
            .orElse(Double.NaN);
    Map<String, Map<MetricDescriptor, Double>> cores = new TreeMap<>();
    Map<String, Row> coreOwner = new HashMap<>();
    List<MetricDescriptor> metrics = new ArrayList<>(List.of(NeuronMetrics.CORE_UTILIZATION));
    metrics.addAll(NeuronMetrics.CORE_MEMORY.values());
    for (MetricDescriptor metric : metrics) {
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
                  values.getOrDefault(NeuronMetrics.CORE_UTILIZATION, Double.NaN) * 100,
                  "Percent"));
          double total = 0;
          for (Map.Entry<String, MetricDescriptor> part : NeuronMetrics.CORE_MEMORY.entrySet()) {
            double bytes = values.getOrDefault(part.getValue(), Double.NaN);
            mapped.add(new Metric("neuroncore_memory_usage_" + part.getKey(), bytes, "Bytes"));
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
    for (Row row : index.rows(NeuronMetrics.ECC_EVENTS)) {
      eccByDevice.merge(row.label("neuron_device_index"), context.delta(row), Double::sum);
    }
    eccByDevice.forEach(
        (device, count) -> {
          Map<String, Object> fields = context.nodeFields();
          fields.put("NeuronDevice", device);
          events.add(
              new PerformanceEvent(
                  "NodeNeuronDevice",
                  fields,
                  List.of(new Metric("node_neurondevice_hw_ecc_events_total", count, "Count")),
                  NODE_NEURON_DEVICE_DIMENSIONS));
        });
    List<Row> errors = index.rows(NeuronMetrics.EXECUTION_ERRORS);
    List<Row> memory = index.rows(NeuronMetrics.RUNTIME_MEMORY);
    if (!errors.isEmpty() || !memory.isEmpty()) {
      double errorCount = errors.stream().mapToDouble(context::delta).sum();
      double deviceMemory =
          memory.stream()
              .filter(r -> r.label("memory_location").equals("neuron_device"))
              .mapToDouble(Row::value)
              .sum();
      double p50 =
          index.rows(NeuronMetrics.EXECUTION_LATENCY).stream()
              .filter(r -> r.label("percentile").equals("p50"))
              .mapToDouble(Row::value)
              .max()
              .orElse(Double.NaN);
      events.add(
          new PerformanceEvent(
              "NodeNeuron",
              context.nodeFields(),
              List.of(
                  new Metric("node_neuron_execution_errors_total", errorCount, "Count"),
                  new Metric("node_neurondevice_runtime_memory_used_bytes", deviceMemory, "Bytes"),
                  new Metric("node_neuron_execution_latency", p50, "Seconds")),
              NodeEvents.NODE_DIMENSIONS));
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
    Map<String, Object> nodeFields = context.nodeFields();
    nodeFields.putAll(extra);
    events.add(
        new PerformanceEvent("Node" + kind, nodeFields, metrics("node_", values), nodeDimensions));
    String namespace = labels.label("namespace");
    String podName = labels.label("pod");
    if (namespace.isEmpty() || podName.isEmpty()) {
      return;
    }
    PodIdentity pod = context.identity(podsByName.get(namespace + "/" + podName), labels, "");
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

  private static Map<MetricDescriptor, String> gpuActivity() {
    Map<MetricDescriptor, String> fields =
        new TreeMap<>(Comparator.comparing(MetricDescriptor::name));
    fields.put(NvidiaMetrics.gpm(GpmMetric.PIPE_TENSOR_ACTIVE), "gpu_tensor_core_utilization");
    fields.put(NvidiaMetrics.gpm(GpmMetric.GR_ENGINE_ACTIVE), "gpu_graphics_engine_utilization");
    fields.put(NvidiaMetrics.gpm(GpmMetric.SM_ACTIVE), "gpu_sm_utilization");
    fields.put(NvidiaMetrics.gpm(GpmMetric.SM_OCCUPANCY), "gpu_sm_occupancy");
    fields.put(NvidiaMetrics.gpm(GpmMetric.DRAM_ACTIVE), "gpu_dram_utilization");
    fields.put(NvidiaMetrics.gpm(GpmMetric.PCIE_TX_BYTES), "gpu_pcie_tx_bytes");
    fields.put(NvidiaMetrics.gpm(GpmMetric.PCIE_RX_BYTES), "gpu_pcie_rx_bytes");
    return Collections.unmodifiableMap(fields);
  }
}
