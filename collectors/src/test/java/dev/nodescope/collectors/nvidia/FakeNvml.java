package dev.nodescope.collectors.nvidia;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An in-memory NVML: values per GPU, a return code per failing call, MIG instances that tests change. */
final class FakeNvml implements Nvml {
  final List<GpuIdentity> gpus = new ArrayList<>();
  final Map<Integer, Map<GpuReading, Long>> values = new HashMap<>();
  final Map<Integer, Map<GpuReading, Integer>> failures = new HashMap<>();
  final Map<Integer, List<MigInstance>> mig = new HashMap<>();
  final Map<Integer, Integer> lost = new HashMap<>();

  void addGpu(String uuid, String busId, String model, long base) {
    int index = gpus.size();
    gpus.add(new GpuIdentity(index, uuid, busId, model));
    Map<GpuReading, Long> readings = new EnumMap<>(GpuReading.class);
    for (GpuReading reading : GpuReading.values()) {
      readings.put(reading, base + reading.ordinal());
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
      throw new NvmlException(reading.name(), code);
    }
    return values.get(index).get(reading);
  }

  @Override
  public List<MigInstance> migInstances(int index) {
    return mig.getOrDefault(index, List.of());
  }
}
