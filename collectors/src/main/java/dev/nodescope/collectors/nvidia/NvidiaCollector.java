package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.podresources.PodResources;
import dev.nodescope.collectors.podresources.PodResources.ContainerDevices;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps NVML readings to dcgm-exporter names and labels. A failing GPU (lost from the bus, or one call erroring) is
 * reported as a partial failure and the other GPUs are still collected; NOT_SUPPORTED just leaves the series out.
 */
public final class NvidiaCollector implements Collector {
  static final List<String> GPU_LABELS =
      List.of("gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "DCGM_FI_DRIVER_VERSION",
          "pod", "namespace", "container");
  static final Map<GpuReading, MetricDescriptor> GPU_DESCRIPTORS = gpuDescriptors();
  static final MetricDescriptor MIG_FB_USED = migDescriptor("DCGM_FI_DEV_FB_USED_MIG",
      "Framebuffer memory used by the MIG GPU instance (in MiB).");
  static final MetricDescriptor MIG_FB_FREE = migDescriptor("DCGM_FI_DEV_FB_FREE_MIG",
      "Framebuffer memory free in the MIG GPU instance (in MiB).");

  private final Nvml nvml;
  private final String hostname;
  private final PodResources podResources;

  public NvidiaCollector(Nvml nvml, String hostname, PodResources podResources) {
    this.nvml = nvml;
    this.hostname = hostname;
    this.podResources = podResources;
  }

  public static List<MetricDescriptor> descriptors() {
    List<MetricDescriptor> all = new ArrayList<>(GPU_DESCRIPTORS.values());
    all.add(MIG_FB_USED);
    all.add(MIG_FB_FREE);
    return List.copyOf(all);
  }

  @Override
  public void collect(SnapshotBuilder out) throws Exception {
    String driverVersion = nvml.driverVersion();
    GpuAssignments assignments;
    try {
      assignments = GpuAssignments.of(podResources.list());
    } catch (IOException e) {
      out.partialFailure("kubelet pod resources: " + e.getMessage());
      assignments = GpuAssignments.of(List.of());
    }
    int count = nvml.deviceCount();
    for (int index = 0; index < count; index++) {
      try {
        collectGpu(out, index, driverVersion, assignments);
      } catch (NvmlException e) {
        out.partialFailure("GPU " + index + (e.gpuLost() ? " is lost (fell off the bus): " : ": ") + e.getMessage());
      }
    }
  }

  private void collectGpu(SnapshotBuilder out, int index, String driverVersion, GpuAssignments assignments)
      throws NvmlException {
    Nvml.GpuIdentity id = nvml.identity(index);
    List<String> gpuLabels = List.of(Integer.toString(index), id.uuid(), id.pciBusId(), "nvidia" + index,
        id.modelName(), hostname, driverVersion);
    List<String> labels = withOwner(gpuLabels, assignments.gpu(index, id.uuid()));
    for (GpuReading reading : GpuReading.values()) {
      try {
        out.add(GPU_DESCRIPTORS.get(reading), nvml.read(index, reading) * reading.scale(), labels);
      } catch (NvmlException e) {
        if (e.gpuLost()) {
          throw e;
        }
        if (!e.notSupported()) {
          out.partialFailure("GPU " + index + " " + reading + ": " + e.getMessage());
        }
      }
    }
    for (Nvml.MigInstance instance : nvml.migInstances(index)) {
      List<String> migLabels =
          withOwner(gpuLabels, assignments.migInstance(index, id.uuid(), instance.gpuInstanceId()));
      migLabels.add(instance.profile());
      migLabels.add(Integer.toString(instance.gpuInstanceId()));
      out.add(MIG_FB_USED, instance.memoryUsedBytes() / (double) (1 << 20), migLabels);
      out.add(MIG_FB_FREE, instance.memoryFreeBytes() / (double) (1 << 20), migLabels);
    }
  }

  private static List<String> withOwner(List<String> gpuLabels, Optional<ContainerDevices> owner) {
    List<String> labels = new ArrayList<>(gpuLabels);
    labels.add(owner.map(ContainerDevices::pod).orElse(""));
    labels.add(owner.map(ContainerDevices::namespace).orElse(""));
    labels.add(owner.map(ContainerDevices::container).orElse(""));
    return labels;
  }

  @Override
  public void close() {
    nvml.close();
  }

  private static Map<GpuReading, MetricDescriptor> gpuDescriptors() {
    Map<GpuReading, MetricDescriptor> map = new EnumMap<>(GpuReading.class);
    for (GpuReading reading : GpuReading.values()) {
      map.put(reading, reading.descriptor(GPU_LABELS.toArray(String[]::new)));
    }
    return map;
  }

  private static MetricDescriptor migDescriptor(String name, String help) {
    List<String> labels = new ArrayList<>(GPU_LABELS);
    labels.add("GPU_I_PROFILE");
    labels.add("GPU_I_ID");
    return new MetricDescriptor(name, MetricType.GAUGE, help, labels);
  }
}
