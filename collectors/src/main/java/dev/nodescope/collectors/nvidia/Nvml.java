package dev.nodescope.collectors.nvidia;

import java.util.List;

/**
 * The NVML calls the collector needs, kept small so that everything above it is tested with a fake. Every method
 * that reads a device throws {@link NvmlException} with NVML's return code when the call fails.
 */
public interface Nvml extends AutoCloseable {
  String driverVersion() throws NvmlException;

  int deviceCount() throws NvmlException;

  GpuIdentity identity(int index) throws NvmlException;

  /** Reads one metric of a physical GPU; NOT_SUPPORTED is reported through {@link NvmlException#notSupported()}. */
  long read(int index, GpuReading reading) throws NvmlException;

  /** MIG instances present now; handles go stale, so callers enumerate this every cycle. */
  List<MigInstance> migInstances(int index) throws NvmlException;

  @Override
  default void close() {}

  record GpuIdentity(int index, String uuid, String pciBusId, String modelName) {}

  record MigInstance(int gpuInstanceId, String profile, long memoryUsedBytes, long memoryFreeBytes) {}
}
