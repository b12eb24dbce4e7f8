package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.nvidia.XidWatcher.XidSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps NVML readings to dcgm-exporter names and labels. A failing GPU (lost from the bus, or one
 * call erroring) is counted in {@code nodescope_gpu_nvml_errors_total}, reported as a partial
 * failure, and the other GPUs are still collected; NOT_SUPPORTED just leaves the series out. XID
 * events arrive on their own thread ({@link XidWatcher}); GPM ratios come from the sample of the
 * previous collection and this one.
 */
public final class NvidiaCollector implements Collector {
  static final List<String> GPU_LABELS =
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
  static final List<String> INSTANCE_LABELS = concat(GPU_LABELS, "GPU_I_PROFILE", "GPU_I_ID");

  public static final Map<GpuReading, MetricDescriptor> GPU_DESCRIPTORS = gpuDescriptors();
  static final MetricDescriptor MIG_FB_USED =
      migDescriptor(
          "DCGM_FI_DEV_FB_USED_MIG", "Framebuffer memory used by the MIG GPU instance (in MiB).");
  static final MetricDescriptor MIG_FB_FREE =
      migDescriptor(
          "DCGM_FI_DEV_FB_FREE_MIG", "Framebuffer memory free in the MIG GPU instance (in MiB).");
  static final Map<GpmMetric, MetricDescriptor> GPM_DESCRIPTORS = gpmDescriptors();
  static final MetricDescriptor XID_LAST =
      new MetricDescriptor(
          "DCGM_FI_DEV_XID_ERRORS",
          MetricType.GAUGE,
          "Value of the last XID error of the GPU (GPU_I_ID empty) or of the MIG GPU instance it named; 0 while none"
              + " happened since the agent started.",
          concat(INSTANCE_LABELS, "err_code", "err_msg"));
  public static final MetricDescriptor XID_ERRORS =
      new MetricDescriptor(
          "nodescope_gpu_xid_errors_total",
          MetricType.COUNTER,
          "XID errors since the agent started, per XID; on the MIG GPU instance when NVML named one.",
          concat(INSTANCE_LABELS, "xid"));
  static final MetricDescriptor POD_MEMORY =
      new MetricDescriptor(
          "nodescope_gpu_pod_memory_used_bytes",
          MetricType.GAUGE,
          "GPU memory used by the processes of one container (from each process's cgroup), per GPU"
              + " and MIG GPU instance; processes outside any known pod add up under empty pod labels.",
          INSTANCE_LABELS);

  /**
   * Per-pod SM, memory-interface, encoder and decoder shares, in the order of {@link #percents}.
   */
  static final List<MetricDescriptor> POD_UTILIZATION =
      List.of(
          podUtilizationDescriptor("sm", "streaming multiprocessors (SM)"),
          podUtilizationDescriptor("memory", "memory interface"),
          podUtilizationDescriptor("encoder", "video encoder"),
          podUtilizationDescriptor("decoder", "video decoder"));

  public static final MetricDescriptor GPU_LOST =
      MetricDescriptor.gauge(
          "nodescope_gpu_lost",
          "1 while NVML answers GPU_IS_LOST for the GPU (it fell off the bus; only a reset or reboot brings it"
              + " back), else 0.",
          "gpu",
          "device");
  static final MetricDescriptor NVML_ERRORS =
      MetricDescriptor.counter(
          "nodescope_gpu_nvml_errors_total",
          "Failed NVML calls since start, GPU_IS_LOST included, per GPU and function (gpu empty: no single GPU).",
          "gpu",
          "function");

  private final Nvml nvml;
  private final String hostname;
  private final PodResources podResources;
  private final ProcessOwners processOwners;
  private final NvmlErrors errors = new NvmlErrors();

  /**
   * Previous GPM sample per GPU UUID or MIG device UUID: a new instance gets a new UUID, never a
   * stale sample. Guarded by itself, since the agent may close the collector while a run is still
   * in flight, and a sample freed twice or used after being freed is native memory corruption.
   */
  private final Map<String, Nvml.GpmSample> gpmSamples = new HashMap<>();

  /** NVML's timestamp of the newest per-process utilization sample read, per GPU index. */
  private final Map<Integer, Long> lastUtilizationSample = new HashMap<>();

  private boolean gpmClosed;
  private XidWatcher xidWatcher;

  public NvidiaCollector(Nvml nvml, CollectorContext context) {
    this.nvml = nvml;
    this.hostname = context.nodeName();
    this.podResources = context.podResources();
    this.processOwners = new ProcessOwners(context.paths(), context.pods());
  }

  public static List<MetricDescriptor> descriptors() {
    List<MetricDescriptor> all = new ArrayList<>(GPU_DESCRIPTORS.values());
    all.add(MIG_FB_USED);
    all.add(MIG_FB_FREE);
    all.addAll(GPM_DESCRIPTORS.values());
    all.add(XID_LAST);
    all.add(XID_ERRORS);
    all.add(POD_MEMORY);
    all.addAll(POD_UTILIZATION);
    all.add(GPU_LOST);
    all.add(NVML_ERRORS);
    return List.copyOf(all);
  }

  @Override
  public void collect(SnapshotBuilder out) throws Exception {
    String driverVersion;
    int count;
    try {
      driverVersion = nvml.driverVersion();
      count = nvml.deviceCount();
    } catch (NvmlException e) {
      errors.record(NvmlErrors.NO_GPU, e);
      throw e;
    }
    if (xidWatcher == null && count > 0) {
      xidWatcher = XidWatcher.start(nvml, count, errors);
    }
    GpuAssignments assignments;
    try {
      assignments = GpuAssignments.of(podResources.list());
    } catch (IOException e) {
      out.partialFailure("kubelet pod resources: " + e.getMessage());
      assignments = GpuAssignments.of(List.of());
    }
    Set<String> sampled = new HashSet<>();
    for (int index = 0; index < count; index++) {
      boolean lost = false;
      try {
        collectGpu(out, index, driverVersion, assignments, sampled);
      } catch (NvmlException e) {
        lost = e.gpuLost();
        errors.record(Integer.toString(index), e);
        out.partialFailure(
            "GPU "
                + index
                + (e.gpuLost() ? " is lost (fell off the bus): " : ": ")
                + e.getMessage());
      }
      out.add(GPU_LOST, lost ? 1 : 0, Integer.toString(index), "nvidia" + index);
    }
    closeGpmSamplesExcept(sampled);
    errors.totals().forEach((key, total) -> out.add(NVML_ERRORS, total, key));
  }

  private void collectGpu(
      SnapshotBuilder out,
      int index,
      String driverVersion,
      GpuAssignments assignments,
      Set<String> sampled)
      throws NvmlException {
    Nvml.GpuIdentity id = nvml.identity(index);
    List<String> gpuLabels =
        List.of(
            Integer.toString(index),
            id.uuid(),
            id.pciBusId(),
            "nvidia" + index,
            id.modelName(),
            hostname,
            driverVersion);
    List<String> labels = withOwner(gpuLabels, assignments.gpu(index, id.uuid()));
    for (GpuReading reading : GpuReading.values()) {
      try {
        out.add(GPU_DESCRIPTORS.get(reading), nvml.read(index, reading) * reading.scale(), labels);
      } catch (NvmlException e) {
        failed(out, index, e);
      }
    }
    List<String> wholeGpuLabels = concat(labels, "", "");
    Map<Integer, List<String>> instanceLabels = new LinkedHashMap<>();
    List<Nvml.MigInstance> instances = nvml.migInstances(index);
    for (Nvml.MigInstance instance : instances) {
      List<String> migLabels =
          concat(
              withOwner(gpuLabels, assignments.migInstance(index, id.uuid(), instance)),
              instance.profile(),
              Integer.toString(instance.gpuInstanceId()));
      instanceLabels.put(instance.gpuInstanceId(), migLabels);
      out.add(MIG_FB_USED, instance.memoryUsedBytes() / (double) (1 << 20), migLabels);
      out.add(MIG_FB_FREE, instance.memoryFreeBytes() / (double) (1 << 20), migLabels);
    }
    gpm(out, index, id.uuid(), Nvml.NO_GPU_INSTANCE, wholeGpuLabels, sampled);
    for (Nvml.MigInstance instance : instances) {
      gpm(
          out,
          index,
          instance.uuid(),
          instance.gpuInstanceId(),
          instanceLabels.get(instance.gpuInstanceId()),
          sampled);
    }
    xids(out, index, gpuLabels, wholeGpuLabels, instanceLabels);
    podMemory(out, index, gpuLabels, instances);
    if (instances.isEmpty()) {
      podUtilization(out, index, gpuLabels);
    }
  }

  /**
   * A call that failed for one GPU: NOT_SUPPORTED leaves its series out; a lost GPU ends this GPU's
   * collection.
   */
  private void failed(SnapshotBuilder out, int index, NvmlException e) throws NvmlException {
    if (e.gpuLost()) {
      throw e;
    }
    if (!e.notSupported()) {
      errors.record(Integer.toString(index), e);
      out.partialFailure("GPU " + index + ": " + e.getMessage());
    }
  }

  private void gpm(
      SnapshotBuilder out,
      int index,
      String key,
      int gpuInstanceId,
      List<String> labels,
      Set<String> sampled)
      throws NvmlException {
    Nvml.GpmSample sample;
    try {
      sample = nvml.gpmSample(index, gpuInstanceId);
    } catch (NvmlException e) {
      failed(out, index, e);
      return;
    }
    sampled.add(key);
    synchronized (gpmSamples) {
      if (gpmClosed) {
        sample.close();
        return;
      }
      Nvml.GpmSample earlier = gpmSamples.put(key, sample);
      if (earlier == null) {
        return; // a ratio needs two samples: the first collection of a GPU or instance has none
      }
      try {
        for (Map.Entry<GpmMetric, Double> metric : nvml.gpmMetrics(earlier, sample).entrySet()) {
          out.add(
              GPM_DESCRIPTORS.get(metric.getKey()),
              metric.getValue() * metric.getKey().scale(),
              labels);
        }
      } catch (NvmlException e) {
        failed(out, index, e);
      } finally {
        earlier.close();
      }
    }
  }

  private void closeGpmSamplesExcept(Set<String> sampled) {
    synchronized (gpmSamples) {
      for (Iterator<Map.Entry<String, Nvml.GpmSample>> it = gpmSamples.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, Nvml.GpmSample> entry = it.next();
        if (!sampled.contains(entry.getKey())) {
          entry.getValue().close();
          it.remove();
        }
      }
    }
  }

  private void xids(
      SnapshotBuilder out,
      int index,
      List<String> gpuLabels,
      List<String> wholeGpuLabels,
      Map<Integer, List<String>> instanceLabels) {
    Map<XidSource, Long> last = xidWatcher.lastXids();
    if (xidWatcher.watchedGpus().contains(index)) {
      long lastOfGpu = last.getOrDefault(new XidSource(index, Nvml.NO_GPU_INSTANCE), 0L);
      out.add(XID_LAST, lastOfGpu, withXid(wholeGpuLabels, lastOfGpu));
    }
    last.forEach(
        (source, xid) -> {
          if (source.gpuIndex() == index && source.gpuInstanceId() != Nvml.NO_GPU_INSTANCE) {
            out.add(
                XID_LAST,
                xid,
                withXid(labelsOf(source, gpuLabels, wholeGpuLabels, instanceLabels), xid));
          }
        });
    xidWatcher
        .counts()
        .forEach(
            (source, perXid) -> {
              if (source.gpuIndex() == index) {
                List<String> labels = labelsOf(source, gpuLabels, wholeGpuLabels, instanceLabels);
                perXid.forEach(
                    (xid, total) ->
                        out.add(XID_ERRORS, total.sum(), concat(labels, Long.toString(xid))));
              }
            });
  }

  /** An instance destroyed since its XID keeps its GPU_I_ID, without pod or profile. */
  private static List<String> labelsOf(
      XidSource source,
      List<String> gpuLabels,
      List<String> wholeGpuLabels,
      Map<Integer, List<String>> instanceLabels) {
    if (source.gpuInstanceId() == Nvml.NO_GPU_INSTANCE) {
      return wholeGpuLabels;
    }
    List<String> labels = instanceLabels.get(source.gpuInstanceId());
    return labels != null
        ? labels
        : concat(
            withOwner(gpuLabels, Optional.empty()), "", Integer.toString(source.gpuInstanceId()));
  }

  private static List<String> withXid(List<String> labels, long xid) {
    return concat(labels, Long.toString(xid), XidMessages.of(xid));
  }

  private void podMemory(
      SnapshotBuilder out, int index, List<String> gpuLabels, List<Nvml.MigInstance> instances)
      throws NvmlException {
    List<Nvml.GpuProcess> processes;
    try {
      processes = nvml.computeProcesses(index);
    } catch (NvmlException e) {
      failed(out, index, e);
      return;
    }
    Map<List<String>, Long> used = new LinkedHashMap<>();
    for (Nvml.GpuProcess process : processes) {
      if (process.usedMemoryBytes() < 0) {
        continue; // NVML_VALUE_NOT_AVAILABLE
      }
      List<String> owner = owner(out, process.pid());
      List<String> labels = new ArrayList<>(gpuLabels);
      labels.addAll(owner);
      labels.add(
          process.gpuInstanceId() == Nvml.NO_GPU_INSTANCE
              ? ""
              : profileOf(instances, process.gpuInstanceId()));
      labels.add(
          process.gpuInstanceId() == Nvml.NO_GPU_INSTANCE
              ? ""
              : Integer.toString(process.gpuInstanceId()));
      used.merge(labels, process.usedMemoryBytes(), Long::sum);
    }
    used.forEach((labels, bytes) -> out.add(POD_MEMORY, bytes, labels));
  }

  /** pod, namespace and container of the process, or three empty labels. */
  private List<String> owner(SnapshotBuilder out, int pid) {
    try {
      return processOwners.owner(pid).orElse(List.of("", "", ""));
    } catch (IOException e) {
      out.partialFailure("GPU process cgroup: " + e.getMessage());
      return List.of("", "", "");
    }
  }

  /**
   * Each process's SM, memory, encoder and decoder shares averaged over NVML's samples since the
   * previous collection, summed per container: on a time-sliced or MPS-shared GPU each pod gets its
   * own number. NVML has no per-process utilization under MIG, so MIG GPUs are not asked.
   */
  private void podUtilization(SnapshotBuilder out, int index, List<String> gpuLabels)
      throws NvmlException {
    List<Nvml.ProcessUtilization> samples;
    try {
      samples = nvml.processUtilization(index, lastUtilizationSample.getOrDefault(index, 0L));
    } catch (NvmlException e) {
      failed(out, index, e);
      return;
    }
    Map<Integer, double[]> perProcess = new LinkedHashMap<>();
    for (Nvml.ProcessUtilization sample : samples) {
      double[] sums = perProcess.computeIfAbsent(sample.pid(), pid -> new double[5]);
      int[] percents = percents(sample);
      for (int i = 0; i < percents.length; i++) {
        sums[i] += percents[i];
      }
      sums[4]++;
      lastUtilizationSample.merge(index, sample.timestampMicros(), Math::max);
    }
    Map<List<String>, double[]> perContainer = new LinkedHashMap<>();
    perProcess.forEach(
        (pid, sums) -> {
          List<String> labels = new ArrayList<>(gpuLabels);
          labels.addAll(owner(out, pid));
          labels.add("");
          labels.add("");
          double[] total = perContainer.computeIfAbsent(labels, key -> new double[4]);
          for (int i = 0; i < total.length; i++) {
            total[i] += sums[i] / sums[4];
          }
        });
    perContainer.forEach(
        (labels, percents) -> {
          for (int i = 0; i < percents.length; i++) {
            out.add(POD_UTILIZATION.get(i), percents[i] / 100, labels);
          }
        });
  }

  private static int[] percents(Nvml.ProcessUtilization sample) {
    return new int[] {
      sample.smPercent(), sample.memoryPercent(), sample.encoderPercent(), sample.decoderPercent()
    };
  }

  private static MetricDescriptor podUtilizationDescriptor(String part, String what) {
    return new MetricDescriptor(
        "nodescope_gpu_pod_" + part + "_utilization_ratio",
        MetricType.GAUGE,
        "Share of the GPU's "
            + what
            + " used by the processes of one container (0-1), from NVML's per-process samples since the"
            + " previous collection; absent on MIG GPUs, where NVML has none.",
        INSTANCE_LABELS);
  }

  private static String profileOf(List<Nvml.MigInstance> instances, int gpuInstanceId) {
    return instances.stream()
        .filter(instance -> instance.gpuInstanceId() == gpuInstanceId)
        .findFirst()
        .map(Nvml.MigInstance::profile)
        .orElse("");
  }

  private static List<String> withOwner(List<String> gpuLabels, Optional<ContainerDevices> owner) {
    List<String> labels = new ArrayList<>(gpuLabels);
    labels.add(owner.map(ContainerDevices::pod).orElse(""));
    labels.add(owner.map(ContainerDevices::namespace).orElse(""));
    labels.add(owner.map(ContainerDevices::container).orElse(""));
    return labels;
  }

  private static List<String> concat(List<String> labels, String... more) {
    List<String> all = new ArrayList<>(labels);
    all.addAll(List.of(more));
    return all;
  }

  /** Stops the XID thread before NVML is shut down, since it may be waiting inside NVML. */
  @Override
  public void close() {
    if (xidWatcher != null) {
      xidWatcher.close();
    }
    synchronized (gpmSamples) {
      gpmClosed = true;
      gpmSamples.values().forEach(Nvml.GpmSample::close);
      gpmSamples.clear();
    }
    nvml.close();
  }

  private static Map<GpuReading, MetricDescriptor> gpuDescriptors() {
    Map<GpuReading, MetricDescriptor> map = new EnumMap<>(GpuReading.class);
    for (GpuReading reading : GpuReading.values()) {
      map.put(reading, reading.descriptor(GPU_LABELS.toArray(String[]::new)));
    }
    return map;
  }

  private static Map<GpmMetric, MetricDescriptor> gpmDescriptors() {
    Map<GpmMetric, MetricDescriptor> map = new EnumMap<>(GpmMetric.class);
    for (GpmMetric metric : GpmMetric.values()) {
      map.put(metric, metric.descriptor(INSTANCE_LABELS));
    }
    return map;
  }

  private static MetricDescriptor migDescriptor(String name, String help) {
    return new MetricDescriptor(name, MetricType.GAUGE, help, INSTANCE_LABELS);
  }
}
