package dev.nodescope.collectors.neuron;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;
import static dev.nodescope.collectors.core.MetricDescriptor.info;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The series neuron-monitor-prometheus exports, under its names, types and labels (no stray
 * memory_location), plus pod, namespace and container on per-core and per-device series (empty when
 * the kubelet gave the core to nobody).
 */
public final class NeuronMetrics {
  static final List<String> INSTANCE_LABELS =
      List.of(
          "instance_name",
          "instance_id",
          "instance_type",
          "availability_zone",
          "region",
          "subnet_id",
          "ultraserver_id");

  /** The parts of NeuronCore memory neuron-monitor reports, each its own series. */
  public static final List<String> MEMORY_PARTS =
      List.of("constants", "model_code", "model_shared_scratchpad", "runtime_memory", "tensors");

  public static final MetricDescriptor CORE_UTILIZATION =
      gauge(
          "neuroncore_utilization_ratio",
          "NeuronCore utilization over the report period (0-1).",
          labels("runtime_tag", "neuroncore", "pod", "namespace", "container"));
  public static final MetricDescriptor RUNTIME_VCPU =
      gauge(
          "neuron_runtime_vcpu_usage_ratio",
          "vCPU usage of the Neuron runtime process (0-1).",
          labels("runtime_tag", "usage_type"));
  public static final MetricDescriptor RUNTIME_MEMORY =
      gauge(
          "neuron_runtime_memory_used_bytes",
          "Memory used by the Neuron runtime, on the host or on the Neuron device.",
          labels("runtime_tag", "memory_location"));

  /** One series per part of {@link #MEMORY_PARTS}, by part, in that order. */
  public static final Map<String, MetricDescriptor> CORE_MEMORY = coreMemory();

  public static final MetricDescriptor EXECUTION_ERRORS =
      counter(
          "execution_errors_total",
          "Inference executions that failed, by error type, summed over reports.",
          labels("runtime_tag", "error_type"));
  public static final MetricDescriptor EXECUTION_STATUS =
      counter(
          "execution_status_total",
          "Inference executions by outcome, summed over reports.",
          labels("runtime_tag", "status_type"));
  public static final MetricDescriptor EXECUTION_LATENCY =
      gauge(
          "execution_latency_seconds",
          "End-to-end inference latency percentiles over the report period.",
          labels("runtime_tag", "percentile"));
  public static final MetricDescriptor ECC_EVENTS =
      counter(
          "hardware_ecc_events_total",
          "ECC events of a Neuron device, summed over reports.",
          labels("event_type", "neuron_device_index", "pod", "namespace", "container"));
  public static final MetricDescriptor SYSTEM_VCPU_COUNT =
      gauge("system_vcpu_count", "Number of vCPUs.", labels());
  public static final MetricDescriptor SYSTEM_VCPU_USAGE =
      gauge(
          "system_vcpu_usage_ratio",
          "Average vCPU usage of the node (0-1): user = user+nice, system = system+io_wait+irq+soft_irq.",
          labels("usage_type"));
  public static final MetricDescriptor SYSTEM_MEMORY_TOTAL =
      gauge("system_memory_total_bytes", "Node memory, in bytes.", labels());
  public static final MetricDescriptor SYSTEM_MEMORY_USED =
      gauge("system_memory_used_bytes", "Node memory in use, in bytes.", labels());
  public static final MetricDescriptor SYSTEM_SWAP_TOTAL =
      gauge("system_swap_total_bytes", "Node swap, in bytes.", labels());
  public static final MetricDescriptor SYSTEM_SWAP_USED =
      gauge("system_swap_used_bytes", "Node swap in use, in bytes.", labels());
  public static final MetricDescriptor INSTANCE_INFO =
      info("instance_info", "The EC2 instance neuron-monitor runs on.", labels());
  public static final MetricDescriptor HARDWARE_INFO =
      info(
          "neuron_hardware_info",
          "Neuron devices on the node and NeuronCores per device.",
          labels("neuron_device_count", "neuroncore_per_device_count"));

  public static final List<MetricDescriptor> ALL = all();

  private NeuronMetrics() {}

  private static List<MetricDescriptor> all() {
    List<MetricDescriptor> all =
        new ArrayList<>(List.of(CORE_UTILIZATION, RUNTIME_VCPU, RUNTIME_MEMORY));
    all.addAll(CORE_MEMORY.values());
    all.addAll(
        List.of(
            EXECUTION_ERRORS,
            EXECUTION_STATUS,
            EXECUTION_LATENCY,
            ECC_EVENTS,
            SYSTEM_VCPU_COUNT,
            SYSTEM_VCPU_USAGE,
            SYSTEM_MEMORY_TOTAL,
            SYSTEM_MEMORY_USED,
            SYSTEM_SWAP_TOTAL,
            SYSTEM_SWAP_USED,
            INSTANCE_INFO,
            HARDWARE_INFO));
    return List.copyOf(all);
  }

  private static Map<String, MetricDescriptor> coreMemory() {
    Map<String, MetricDescriptor> byPart = new LinkedHashMap<>();
    for (String part : MEMORY_PARTS) {
      byPart.put(
          part,
          gauge(
              "neuroncore_memory_usage_" + part,
              "NeuronCore device memory used for " + part.replace('_', ' ') + ", in bytes.",
              labels("runtime_tag", "neuroncore", "pod", "namespace", "container")));
    }
    return Collections.unmodifiableMap(byPart);
  }

  private static String[] labels(String... extra) {
    return Stream.concat(INSTANCE_LABELS.stream(), Stream.of(extra)).toArray(String[]::new);
  }
}
