package dev.nodescope.collectors.nvidia;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The series of the {@code nvidia} collector, under dcgm-exporter's names and labels where it has
 * them ({@code DCGM_FI_*}), and {@code nodescope_gpu_*} for what dcgm-exporter lacks.
 */
public final class NvidiaMetrics {
  public static final List<String> GPU_LABELS =
      List.of(
          "gpu",
          "UUID",
          "pci_bus_id",
          "device",
          "modelName",
          "Hostname",
          "DCGM_FI_DRIVER_VERSION",
          "pod",
          "namespace",
          "container");

  /** GPU labels plus the MIG GPU instance, both empty on series of a whole GPU. */
  public static final List<String> INSTANCE_LABELS =
      concat(GPU_LABELS, "GPU_I_PROFILE", "GPU_I_ID");

  private static final Map<GpuReading, MetricDescriptor> GPU = gpuDescriptors();
  public static final MetricDescriptor MIG_FB_USED =
      gauge(
          "DCGM_FI_DEV_FB_USED_MIG",
          "Framebuffer memory used by the MIG GPU instance (in MiB).",
          INSTANCE_LABELS);
  public static final MetricDescriptor MIG_FB_FREE =
      gauge(
          "DCGM_FI_DEV_FB_FREE_MIG",
          "Framebuffer memory free in the MIG GPU instance (in MiB).",
          INSTANCE_LABELS);
  private static final Map<GpmMetric, MetricDescriptor> GPM = gpmDescriptors();
  public static final MetricDescriptor XID_LAST =
      new MetricDescriptor(
          "DCGM_FI_DEV_XID_ERRORS",
          MetricType.GAUGE,
          "Value of the last XID error of the GPU (GPU_I_ID empty) or of the MIG GPU instance it named; 0 while none"
              + " happened since the agent started.",
          concat(INSTANCE_LABELS, "err_code", "err_msg"));
  public static final MetricDescriptor XID_ERRORS =
      counter(
          "nodescope_gpu_xid_errors_total",
          "XID errors since the agent started, per XID; on the MIG GPU instance when NVML named one.",
          concat(INSTANCE_LABELS, "xid"));
  public static final MetricDescriptor POD_MEMORY =
      gauge(
          "nodescope_gpu_pod_memory_used_bytes",
          "GPU memory used by the processes of one container (from each process's cgroup), per GPU"
              + " and MIG GPU instance; processes outside any known pod add up under empty pod labels.",
          INSTANCE_LABELS);
  public static final MetricDescriptor NVML_ERRORS =
      counter(
          "nodescope_gpu_nvml_errors_total",
          "Failed NVML calls since start, GPU_IS_LOST included, per GPU and function (gpu empty: no single GPU).",
          "gpu",
          "function");

  /** Per-pod SM, memory-interface, encoder and decoder shares, in the order of NVML's samples. */
  public static final List<MetricDescriptor> POD_UTILIZATION =
      List.of(
          podUtilization("sm", "streaming multiprocessors (SM)"),
          podUtilization("memory", "memory interface"),
          podUtilization("encoder", "video encoder"),
          podUtilization("decoder", "video decoder"));

  public static final MetricDescriptor GPU_LOST =
      gauge(
          "nodescope_gpu_lost",
          "1 while NVML answers GPU_IS_LOST for the GPU (it fell off the bus; only a reset or reboot brings it"
              + " back), else 0.",
          "gpu",
          "device");

  public static final List<MetricDescriptor> ALL = all();

  private NvidiaMetrics() {}

  /** The per-GPU series of one NVML reading. */
  public static MetricDescriptor gpu(GpuReading reading) {
    return GPU.get(reading);
  }

  /** The per-GPU and per-MIG-instance series of one GPM metric. */
  public static MetricDescriptor gpm(GpmMetric metric) {
    return GPM.get(metric);
  }

  private static List<MetricDescriptor> all() {
    List<MetricDescriptor> all = new ArrayList<>(GPU.values());
    all.add(MIG_FB_USED);
    all.add(MIG_FB_FREE);
    all.addAll(GPM.values());
    all.add(XID_LAST);
    all.add(XID_ERRORS);
    all.add(POD_MEMORY);
    all.addAll(POD_UTILIZATION);
    all.add(GPU_LOST);
    all.add(NVML_ERRORS);
    return List.copyOf(all);
  }

  private static MetricDescriptor podUtilization(String part, String what) {
    return gauge(
        "nodescope_gpu_pod_" + part + "_utilization_ratio",
        "Share of the GPU's "
            + what
            + " used by the processes of one container (0-1), from NVML's per-process samples since the"
            + " previous collection; absent on MIG GPUs, where NVML has none.",
        INSTANCE_LABELS);
  }

  private static Map<GpuReading, MetricDescriptor> gpuDescriptors() {
    Map<GpuReading, MetricDescriptor> map = new EnumMap<>(GpuReading.class);
    for (GpuReading reading : GpuReading.values()) {
      map.put(reading, reading.descriptor(GPU_LABELS));
    }
    return Collections.unmodifiableMap(map);
  }

  private static Map<GpmMetric, MetricDescriptor> gpmDescriptors() {
    Map<GpmMetric, MetricDescriptor> map = new EnumMap<>(GpmMetric.class);
    for (GpmMetric metric : GpmMetric.values()) {
      map.put(metric, metric.descriptor(INSTANCE_LABELS));
    }
    return Collections.unmodifiableMap(map);
  }

  private static List<String> concat(List<String> labels, String... more) {
    return Stream.concat(labels.stream(), Stream.of(more)).toList();
  }
}
