package dev.nodescope.collectors.nvidia;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The NVML calls the collector needs, kept small so that everything above it is tested with a fake.
 * Every method that reads a device throws {@link NvmlException} with NVML's return code when the
 * call fails.
 */
public interface Nvml extends AutoCloseable {
  /**
   * gpuInstanceId of a process or event that belongs to no MIG GPU instance (NVML's 0xFFFFFFFF).
   */
  int NO_GPU_INSTANCE = -1;

  String driverVersion() throws NvmlException;

  int deviceCount() throws NvmlException;

  GpuIdentity identity(int index) throws NvmlException;

  /**
   * Reads one metric of a physical GPU; NOT_SUPPORTED is reported through {@link
   * NvmlException#notSupported()}.
   */
  long read(int index, GpuReading reading) throws NvmlException;

  /** MIG instances present now; handles go stale, so callers enumerate this every cycle. */
  List<MigInstance> migInstances(int index) throws NvmlException;

  /**
   * Compute processes on the GPU, those of every MIG instance included, with the device memory each
   * uses.
   */
  List<GpuProcess> computeProcesses(int index) throws NvmlException;

  /**
   * Per-process utilization samples NVML took after {@code sinceMicros} (its own CPU timestamp, 0
   * for all it holds); empty when none. NOT_SUPPORTED on MIG-enabled GPUs.
   */
  List<ProcessUtilization> processUtilization(int index, long sinceMicros) throws NvmlException;

  /**
   * A GPM sample of the whole GPU ({@code gpuInstanceId} {@link #NO_GPU_INSTANCE}) or of one MIG
   * GPU instance, taken now. NOT_SUPPORTED before Hopper. The caller closes it, since it holds
   * native memory.
   */
  GpmSample gpmSample(int index, int gpuInstanceId) throws NvmlException;

  /**
   * GPM metrics over the time between two samples of the same GPU or instance; metrics NVML refuses
   * are absent.
   */
  Map<GpmMetric, Double> gpmMetrics(GpmSample earlier, GpmSample later) throws NvmlException;

  /** An empty event set for XID critical errors; GPUs are added with {@link XidEvents#register}. */
  XidEvents xidEvents() throws NvmlException;

  @Override
  default void close() {}

  record GpuIdentity(int index, String uuid, String pciBusId, String modelName) {}

  /** A MIG device: its GPU instance id, profile ("1g.10gb"), own UUID ("MIG-…") and memory. */
  record MigInstance(
      int gpuInstanceId, String profile, String uuid, long memoryUsedBytes, long memoryFreeBytes) {}

  /**
   * A process using the GPU as NVML reports it: host PID, used device memory, MIG GPU instance or
   * none.
   */
  record GpuProcess(int pid, long usedMemoryBytes, int gpuInstanceId) {}

  /**
   * One process's share of the GPU's SM, memory interface, encoder and decoder in percent over
   * NVML's sample period ending at {@code timestampMicros}.
   */
  record ProcessUtilization(
      int pid,
      long timestampMicros,
      int smPercent,
      int memoryPercent,
      int encoderPercent,
      int decoderPercent) {}

  /**
   * An XID critical error: which GPU, the XID, and the MIG GPU instance when NVML could attribute
   * it.
   */
  record XidEvent(int gpuIndex, long xid, int gpuInstanceId) {}

  interface GpmSample extends AutoCloseable {
    @Override
    void close();
  }

  /** One NVML event set; used by a single thread, since waiting on it blocks. */
  interface XidEvents extends AutoCloseable {
    void register(int index) throws NvmlException;

    /**
     * The next event, or empty when none came within the timeout (so that the waiting thread can
     * stop).
     */
    Optional<XidEvent> next(int timeoutMillis) throws NvmlException;

    @Override
    void close();
  }
}
