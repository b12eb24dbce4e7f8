package dev.nodescope.collectors.neuron;

import static dev.nodescope.collectors.neuron.NeuronMetrics.*;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the latest neuron-monitor reports say. Gauges come from the latest report; counters are sums
 * of the per-period counts of every report seen, so they never go backwards, whether the monitor
 * restarts or runtimes come and go. A group whose {@code error} is set, or whose shape is wrong, is
 * skipped and reported; the rest of the report counts. Thread-safe: the reader thread applies
 * reports, the collector's thread writes snapshots.
 */
final class NeuronState {
  private static final List<String> ERROR_TYPES =
      List.of("generic", "numerical", "transient", "model", "runtime", "hardware");
  private static final List<String> STATUS_TYPES =
      List.of(
          "completed",
          "completed_with_err",
          "completed_with_num_err",
          "timed_out",
          "incorrect_input",
          "failed_to_queue");
  private static final List<String> PERCENTILES =
      List.of("p0", "p1", "p25", "p50", "p75", "p99", "p100");
  private static final List<String> ECC_TYPES =
      List.of(
          "mem_ecc_corrected", "mem_ecc_uncorrected", "sram_ecc_corrected", "sram_ecc_uncorrected");

  private record Key(MetricDescriptor descriptor, List<String> labels) {}

  private final Map<Key, Double> counters = new LinkedHashMap<>();
  private Map<Key, Double> gauges = Map.of();
  private long reports;

  /** Applies one decoded report; returns the problems found in it (each counted by the caller). */
  synchronized List<String> apply(Map<String, Object> report, NeuronOwners owners) {
    List<String> problems = new ArrayList<>();
    Map<Key, Double> latest = new LinkedHashMap<>();
    List<String> instance = instanceLabels(map(report.get("instance_info")), problems);
    latest.put(new Key(INSTANCE_INFO, instance), 1.0);
    Map<String, Object> hardware = map(report.get("neuron_hardware_info"));
    Long coresPerDevice = null;
    if (groupOk("neuron_hardware_info", hardware, problems)) {
      Double perDevice = number(hardware.get("neuroncore_per_device_count"));
      coresPerDevice = perDevice == null ? null : perDevice.longValue();
      latest.put(
          new Key(
              HARDWARE_INFO,
              with(
                  instance,
                  integer(hardware.get("neuron_device_count")),
                  integer(hardware.get("neuroncore_per_device_count")))),
          1.0);
    }
    Object runtimes = report.get("neuron_runtime_data");
    if (runtimes instanceof List<?> list) {
      for (Object runtime : list) {
        applyRuntime(instance, map(runtime), owners, coresPerDevice, latest, problems);
      }
    } else if (runtimes != null) {
      problems.add("neuron_runtime_data is not a list");
    }
    applySystem(instance, map(report.get("system_data")), owners, coresPerDevice, latest, problems);
    gauges = latest;
    reports++;
    return problems;
  }

  synchronized long reports() {
    return reports;
  }

  synchronized void writeTo(SnapshotBuilder out) {
    gauges.forEach((key, value) -> out.add(key.descriptor(), value, key.labels()));
    counters.forEach((key, value) -> out.add(key.descriptor(), value, key.labels()));
  }

  private void applyRuntime(
      List<String> instance,
      Map<String, Object> runtime,
      NeuronOwners owners,
      Long coresPerDevice,
      Map<Key, Double> latest,
      List<String> problems) {
    if (runtime == null) {
      problems.add("a neuron_runtime_data entry is not an object");
      return;
    }
    String tag = String.valueOf(runtime.getOrDefault("neuron_runtime_tag", ""));
    if (!groupOk("runtime " + tag, runtime, problems)) {
      return;
    }
    Map<String, Object> groups = map(runtime.get("report"));
    if (groups == null) {
      problems.add("runtime " + tag + " has no report");
      return;
    }
    List<String> base = with(instance, tag);

    Map<String, Object> cores = map(groups.get("neuroncore_counters"));
    if (groupOk("neuroncore_counters", cores, problems)) {
      Map<String, Object> inUse = map(cores.get("neuroncores_in_use"));
      if (inUse != null) {
        inUse.forEach(
            (core, counters) -> {
              Double percent =
                  number(
                      map(counters) == null ? null : map(counters).get("neuroncore_utilization"));
              if (percent != null) {
                latest.put(
                    new Key(CORE_UTILIZATION, coreLabels(base, core, owners, coresPerDevice)),
                    percent / 100);
              }
            });
      }
    }

    Map<String, Object> vcpu = map(groups.get("neuron_runtime_vcpu_usage"));
    if (groupOk("neuron_runtime_vcpu_usage", vcpu, problems)) {
      Map<String, Object> usage = map(vcpu.get("vcpu_usage"));
      for (String type : List.of("user", "system")) {
        Double percent = usage == null ? null : number(usage.get(type));
        if (percent != null) {
          latest.put(new Key(RUNTIME_VCPU, with(base, type)), percent / 100);
        }
      }
    }

    Map<String, Object> memory = map(groups.get("memory_used"));
    if (groupOk("memory_used", memory, problems)) {
      Map<String, Object> used = map(memory.get("neuron_runtime_used_bytes"));
      if (used != null) {
        for (String location : List.of("host", "neuron_device")) {
          Double bytes = number(used.get(location));
          if (bytes != null) {
            latest.put(new Key(RUNTIME_MEMORY, with(base, location)), bytes);
          }
        }
        Map<String, Object> breakdown = map(used.get("usage_breakdown"));
        Map<String, Object> perCore =
            breakdown == null ? null : map(breakdown.get("neuroncore_memory_usage"));
        if (perCore != null) {
          perCore.forEach(
              (core, parts) -> {
                Map<String, Object> partMap = map(parts);
                for (Map.Entry<String, MetricDescriptor> part : CORE_MEMORY.entrySet()) {
                  Double bytes = partMap == null ? null : number(partMap.get(part.getKey()));
                  if (bytes != null) {
                    latest.put(
                        new Key(part.getValue(), coreLabels(base, core, owners, coresPerDevice)),
                        bytes);
                  }
                }
              });
        }
      }
    }

    Map<String, Object> stats = map(groups.get("execution_stats"));
    if (groupOk("execution_stats", stats, problems)) {
      addCounts(EXECUTION_ERRORS, base, map(stats.get("error_summary")), ERROR_TYPES);
      addCounts(EXECUTION_STATUS, base, map(stats.get("execution_summary")), STATUS_TYPES);
      Map<String, Object> latency = map(stats.get("latency_stats"));
      Map<String, Object> total = latency == null ? null : map(latency.get("total_latency"));
      if (total != null) {
        for (String percentile : PERCENTILES) {
          Double seconds = number(total.get(percentile));
          if (seconds != null) {
            latest.put(new Key(EXECUTION_LATENCY, with(base, percentile)), seconds);
          }
        }
      }
    }
  }

  private void applySystem(
      List<String> instance,
      Map<String, Object> system,
      NeuronOwners owners,
      Long coresPerDevice,
      Map<Key, Double> latest,
      List<String> problems) {
    if (system == null) {
      return;
    }
    Map<String, Object> hw = map(system.get("neuron_hw_counters"));
    if (groupOk("neuron_hw_counters", hw, problems)
        && hw.get("neuron_devices") instanceof List<?> devices) {
      for (Object entry : devices) {
        Map<String, Object> device = map(entry);
        String index = device == null ? null : integer(device.get("neuron_device_index"));
        if (index == null) {
          problems.add("a neuron_hw_counters device has no neuron_device_index");
          continue;
        }
        List<String> owner = owners.ofDevice(Long.parseLong(index), coresPerDevice);
        for (String type : ECC_TYPES) {
          Double count = number(device.get(type));
          if (count != null && count >= 0) {
            counters.merge(
                new Key(
                    ECC_EVENTS, with(with(instance, type, index), owner.toArray(String[]::new))),
                count,
                Double::sum);
          }
        }
      }
    }
    Map<String, Object> vcpu = map(system.get("vcpu_usage"));
    if (groupOk("vcpu_usage", vcpu, problems)) {
      Map<String, Object> perCpu = map(vcpu.get("usage_data"));
      if (perCpu != null) {
        latest.put(new Key(SYSTEM_VCPU_COUNT, instance), (double) perCpu.size());
      }
      Map<String, Object> average = map(vcpu.get("average_usage"));
      if (average != null) {
        latest.put(
            new Key(SYSTEM_VCPU_USAGE, with(instance, "user")), ratio(average, "user", "nice"));
        latest.put(
            new Key(SYSTEM_VCPU_USAGE, with(instance, "system")),
            ratio(average, "system", "io_wait", "irq", "soft_irq"));
      }
    }
    Map<String, Object> memory = map(system.get("memory_info"));
    if (groupOk("memory_info", memory, problems)) {
      putNumber(latest, SYSTEM_MEMORY_TOTAL, instance, memory.get("memory_total_bytes"));
      putNumber(latest, SYSTEM_MEMORY_USED, instance, memory.get("memory_used_bytes"));
      putNumber(latest, SYSTEM_SWAP_TOTAL, instance, memory.get("swap_total_bytes"));
      putNumber(latest, SYSTEM_SWAP_USED, instance, memory.get("swap_used_bytes"));
    }
  }

  private void addCounts(
      MetricDescriptor descriptor,
      List<String> base,
      Map<String, Object> counts,
      List<String> types) {
    if (counts == null) {
      return;
    }
    for (String type : types) {
      Double count = number(counts.get(type));
      // A negative per-period count would make the sum go backwards: ignore it.
      if (count != null && count >= 0) {
        counters.merge(new Key(descriptor, with(base, type)), count, Double::sum);
      }
    }
  }

  private static List<String> coreLabels(
      List<String> base, String core, NeuronOwners owners, Long coresPerDevice) {
    return with(with(base, core), owners.ofCore(core, coresPerDevice).toArray(String[]::new));
  }

  private static double ratio(Map<String, Object> average, String... fields) {
    double sum = 0;
    for (String field : fields) {
      Double value = number(average.get(field));
      sum += value == null ? 0 : value;
    }
    return Math.min(sum, 100) / 100;
  }

  private static void putNumber(
      Map<Key, Double> latest, MetricDescriptor descriptor, List<String> labels, Object value) {
    Double number = number(value);
    if (number != null) {
      latest.put(new Key(descriptor, labels), number);
    }
  }

  private static List<String> instanceLabels(Map<String, Object> info, List<String> problems) {
    if (info == null) {
      return List.of("", "", "", "", "", "", "");
    }
    groupOk("instance_info", info, problems);
    return List.of(
        text(info.get("instance_name")),
        text(info.get("instance_id")),
        text(info.get("instance_type")),
        text(info.get("instance_availability_zone")),
        text(info.get("instance_region")),
        text(info.get("subnet_id")),
        text(info.get("ultraserver_id")));
  }

  /**
   * A group is usable when present and its {@code error} is empty; a non-empty error is a problem.
   */
  private static boolean groupOk(String name, Map<String, Object> group, List<String> problems) {
    if (group == null) {
      return false;
    }
    Object error = group.get("error");
    if (error != null && !"".equals(error)) {
      problems.add(name + ": " + error);
      return false;
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> ? (Map<String, Object>) value : null;
  }

  private static Double number(Object value) {
    return value instanceof Double d && Double.isFinite(d) ? d : null;
  }

  private static String integer(Object value) {
    Double number = number(value);
    return number == null ? null : Long.toString(number.longValue());
  }

  private static String text(Object value) {
    return value instanceof String s ? s : "";
  }

  private static List<String> with(List<String> base, String... extra) {
    List<String> labels = new ArrayList<>(base.size() + extra.length);
    labels.addAll(base);
    for (String value : extra) {
      labels.add(value == null ? "" : value);
    }
    return List.copyOf(labels);
  }
}
