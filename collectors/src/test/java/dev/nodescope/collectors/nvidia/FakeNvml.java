package dev.nodescope.collectors.nvidia;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory NVML: values per GPU, a return code per failing call, MIG instances, processes and
 * GPM values that tests change, and a queue of XID events that the watcher thread takes from.
 */
final class FakeNvml implements Nvml {
  final List<GpuIdentity> gpus = new ArrayList<>();
  final Map<Integer, Map<GpuReading, Long>> values = new HashMap<>();
  final Map<Integer, Map<GpuReading, Integer>> failures = new HashMap<>();
  final Map<Integer, List<MigInstance>> mig = new HashMap<>();
  final Map<Integer, Integer> lost = new HashMap<>();
  final Map<Integer, List<GpuProcess>> processes = new HashMap<>();
  final Map<Integer, List<ProcessUtilization>> processUtilization = new HashMap<>();

  /** GPM values per [GPU index, GPU instance id]; absent = NOT_SUPPORTED, as before Hopper. */
  final Map<List<Integer>, Map<GpmMetric, Double>> gpm = new HashMap<>();

  final Set<Integer> xidNotSupported = ConcurrentHashMap.newKeySet();
  final Map<Integer, Integer> xidRegistrationFailures = new ConcurrentHashMap<>();

  /** When set, every event wait fails with this return code. */
  volatile Integer xidWaitFailure;

  final Set<Integer> xidRegistered = ConcurrentHashMap.newKeySet();
  final BlockingQueue<XidEvent> xids = new LinkedBlockingQueue<>();
  final AtomicInteger openGpmSamples = new AtomicInteger();
  volatile boolean xidSetFreed;

  void addGpu(String uuid, String busId, String model, long base) {
    int index = gpus.size();
    gpus.add(new GpuIdentity(index, uuid, busId, model));
    Map<GpuReading, Long> readings = new EnumMap<>(GpuReading.class);
    for (GpuReading reading : GpuReading.values()) {
      readings.put(reading, base + List.of(GpuReading.values()).indexOf(reading));
    }
    values.put(index, readings);
  }

  @Override
  public String driverVersion() {
    return "580.95.05";
  }

  @Override
  public int deviceCount() {
    return gpus.size();
  }

  @Override
  public GpuIdentity identity(int index) throws NvmlException {
    if (lost.containsKey(index)) {
      throw new NvmlException("nvmlDeviceGetUUID", NvmlException.GPU_IS_LOST);
    }
    return gpus.get(index);
  }

  @Override
  public long read(int index, GpuReading reading) throws NvmlException {
    Integer code = failures.getOrDefault(index, Map.of()).get(reading);
    if (code != null) {
      throw new NvmlException("nvmlRead(" + reading.name() + ")", code);
    }
    return values.get(index).get(reading);
  }

  @Override
  public List<MigInstance> migInstances(int index) {
    return mig.getOrDefault(index, List.of());
  }

  @Override
  public List<GpuProcess> computeProcesses(int index) {
    return processes.getOrDefault(index, List.of());
  }

  /** Samples newer than asked for, as NVML keeps them; absent GPU = NOT_SUPPORTED, as under MIG. */
  @Override
  public List<ProcessUtilization> processUtilization(int index, long sinceMicros)
      throws NvmlException {
    List<ProcessUtilization> samples = processUtilization.get(index);
    if (samples == null) {
      throw new NvmlException("nvmlDeviceGetProcessUtilization", NvmlException.NOT_SUPPORTED);
    }
    return samples.stream().filter(sample -> sample.timestampMicros() > sinceMicros).toList();
  }

  @Override
  public GpmSample gpmSample(int index, int gpuInstanceId) throws NvmlException {
    Map<GpmMetric, Double> metrics = gpm.get(List.of(index, gpuInstanceId));
    if (metrics == null) {
      throw new NvmlException("nvmlGpmQueryDeviceSupport", NvmlException.NOT_SUPPORTED);
    }
    openGpmSamples.incrementAndGet();
    return new FakeGpmSample(metrics);
  }

  @Override
  public Map<GpmMetric, Double> gpmMetrics(GpmSample earlier, GpmSample later) {
    if (((FakeGpmSample) earlier).closed || ((FakeGpmSample) later).closed) {
      throw new IllegalStateException("GPM sample used after it was freed");
    }
    return ((FakeGpmSample) later).metrics;
  }

  private final class FakeGpmSample implements GpmSample {
    final Map<GpmMetric, Double> metrics;
    boolean closed;

    FakeGpmSample(Map<GpmMetric, Double> metrics) {
      this.metrics = Map.copyOf(metrics);
    }

    @Override
    public void close() {
      if (closed) {
        throw new IllegalStateException("GPM sample freed twice");
      }
      closed = true;
      openGpmSamples.decrementAndGet();
    }
  }

  @Override
  public XidEvents xidEvents() {
    return new XidEvents() {
      @Override
      public void register(int index) throws NvmlException {
        if (xidNotSupported.contains(index)) {
          throw new NvmlException("nvmlDeviceRegisterEvents", NvmlException.NOT_SUPPORTED);
        }
        Integer failure = xidRegistrationFailures.get(index);
        if (failure != null) {
          throw new NvmlException("nvmlDeviceRegisterEvents", failure);
        }
        xidRegistered.add(index);
      }

      @Override
      public Optional<XidEvent> next(int timeoutMillis) throws NvmlException {
        Integer failure = xidWaitFailure;
        if (failure != null) {
          throw new NvmlException("nvmlEventSetWait_v2", failure);
        }
        try {
          // Shorter than asked, which NVML may also do, so that closing the collector in each test
          // is quick.
          return Optional.ofNullable(xids.poll(Math.min(timeoutMillis, 50), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }

      @Override
      public void close() {
        xidSetFreed = true;
      }
    };
  }
}
