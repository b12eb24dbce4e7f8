package dev.nodescope.collectors.nvidia;

import static dev.nodescope.collectors.nvidia.NvidiaMetrics.GPU_LOST;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.MIG_FB_FREE;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.MIG_FB_USED;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.NVML_ERRORS;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.POD_MEMORY;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.POD_UTILIZATION;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.XID_ERRORS;
import static dev.nodescope.collectors.nvidia.NvidiaMetrics.XID_LAST;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.nvidia.XidWatcher.XidSource;
import java.io.IOException;
import java.util.ArrayList;
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
        out.add(NvidiaMetrics.gpu(reading), nvml.read(index, reading) * reading.scale(), labels);
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
              NvidiaMetrics.gpm(metric.getKey()),
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
}
