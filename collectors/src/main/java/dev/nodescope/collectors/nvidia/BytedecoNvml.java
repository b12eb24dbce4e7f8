package dev.nodescope.collectors.nvidia;

import static org.bytedeco.cuda.global.nvml.*;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlEventData_t;
import org.bytedeco.cuda.nvml.nvmlEventSet_st;
import org.bytedeco.cuda.nvml.nvmlFieldValue_t;
import org.bytedeco.cuda.nvml.nvmlGpmMetricsGet_t;
import org.bytedeco.cuda.nvml.nvmlGpmSample_st;
import org.bytedeco.cuda.nvml.nvmlGpmSupport_t;
import org.bytedeco.cuda.nvml.nvmlMemory_v2_t;
import org.bytedeco.cuda.nvml.nvmlPciInfo_t;
import org.bytedeco.cuda.nvml.nvmlProcessInfo_v2_t;
import org.bytedeco.cuda.nvml.nvmlProcessUtilizationSample_t;
import org.bytedeco.cuda.nvml.nvmlUtilization_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * {@link Nvml} over org.bytedeco's NVML binding (versioned names: the preset omits the unversioned
 * ones).
 */
final class BytedecoNvml implements Nvml {
  private static final int STRING_BUFFER = 256;

  /** A field value's scopeId that sums NVLink throughput over every link (UINT_MAX). */
  private static final int ALL_LINKS = -1;

  /** Processes asked for at first; NVML says how many there are when the buffer is too small. */
  private static final int PROCESS_BUFFER = 64;

  private BytedecoNvml() {}

  /**
   * Loads libjninvml and initialises NVML. Any LinkageError (no libnvidia-ml.so.1 on this node) is
   * turned into an NvmlException here so that it never escapes the collector.
   */
  static BytedecoNvml open() throws NvmlException {
    int rc;
    try {
      loadJniNvmlOnly();
      rc = nvmlInit_v2();
    } catch (LinkageError e) {
      throw new NvmlException("loading libnvidia-ml.so.1 (" + e + ")", -1);
    }
    check("nvmlInit_v2", rc);
    return new BytedecoNvml();
  }

  /**
   * JavaCPP's Loader would also load libjnicudart (the nvml preset inherits cudart), which needs
   * libcudart.so.13: absent on driver-only GPU nodes. libjninvml itself needs only
   * libnvidia-ml.so.1, so it is loaded directly.
   */
  private static void loadJniNvmlOnly() throws NvmlException {
    System.setProperty("org.bytedeco.javacpp.loadlibraries", "false");
    try {
      java.io.File library =
          org.bytedeco.javacpp.Loader.cacheResource(
              org.bytedeco.cuda.global.nvml.class, "/org/bytedeco/cuda/linux-x86_64/libjninvml.so");
      if (library == null) {
        throw new NvmlException("finding libjninvml.so for linux-x86_64 in the class path", -1);
      }
      System.load(library.getAbsolutePath());
    } catch (java.io.IOException e) {
      throw new NvmlException("extracting libjninvml.so (" + e + ")", -1);
    }
  }

  private static void check(String call, int rc) throws NvmlException {
    if (rc != NVML_SUCCESS) {
      throw new NvmlException(call, rc);
    }
  }

  /**
   * The NUL-terminated string NVML wrote into a buffer. BytePointer.getString() alone would decode
   * the whole buffer, bytes after the NUL included.
   */
  private static String cString(BytePointer buffer) {
    return buffer.limit(BytePointer.strlen(buffer)).getString();
  }

  private static nvmlDevice_st handle(int index) throws NvmlException {
    nvmlDevice_st device = new nvmlDevice_st();
    check("nvmlDeviceGetHandleByIndex_v2", nvmlDeviceGetHandleByIndex_v2(index, device));
    return device;
  }

  @Override
  public String driverVersion() throws NvmlException {
    BytePointer buffer = new BytePointer(STRING_BUFFER);
    check("nvmlSystemGetDriverVersion", nvmlSystemGetDriverVersion(buffer, STRING_BUFFER));
    return cString(buffer);
  }

  @Override
  public int deviceCount() throws NvmlException {
    IntPointer count = new IntPointer(1);
    check("nvmlDeviceGetCount_v2", nvmlDeviceGetCount_v2(count));
    return count.get();
  }

  @Override
  public GpuIdentity identity(int index) throws NvmlException {
    nvmlDevice_st device = handle(index);
    BytePointer uuid = new BytePointer(STRING_BUFFER);
    check("nvmlDeviceGetUUID", nvmlDeviceGetUUID(device, uuid, STRING_BUFFER));
    BytePointer name = new BytePointer(STRING_BUFFER);
    check("nvmlDeviceGetName", nvmlDeviceGetName(device, name, STRING_BUFFER));
    nvmlPciInfo_t pci = new nvmlPciInfo_t();
    check("nvmlDeviceGetPciInfo_v3", nvmlDeviceGetPciInfo_v3(device, pci));
    return new GpuIdentity(index, cString(uuid), pci.busId().getString(), cString(name));
  }

  @Override
  public long read(int index, GpuReading reading) throws NvmlException {
    nvmlDevice_st device = handle(index);
    IntPointer value = new IntPointer(1);
    LongPointer wide = new LongPointer(1);
    switch (reading) {
      case SM_CLOCK:
        check("nvmlDeviceGetClockInfo(SM)", nvmlDeviceGetClockInfo(device, NVML_CLOCK_SM, value));
        return Integer.toUnsignedLong(value.get());
      case MEM_CLOCK:
        check("nvmlDeviceGetClockInfo(MEM)", nvmlDeviceGetClockInfo(device, NVML_CLOCK_MEM, value));
        return Integer.toUnsignedLong(value.get());
      case GPU_TEMP:
        check(
            "nvmlDeviceGetTemperature",
            nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_GPU, value));
        return Integer.toUnsignedLong(value.get());
      case MEMORY_TEMP:
        return fieldValue(device, NVML_FI_DEV_MEMORY_TEMP, 0, "MEMORY_TEMP");
      case POWER_USAGE_MILLIWATTS:
        check("nvmlDeviceGetPowerUsage", nvmlDeviceGetPowerUsage(device, value));
        return Integer.toUnsignedLong(value.get());
      case TOTAL_ENERGY_MILLIJOULES:
        check(
            "nvmlDeviceGetTotalEnergyConsumption",
            nvmlDeviceGetTotalEnergyConsumption(device, wide));
        return wide.get();
      case PCIE_REPLAYS:
        check("nvmlDeviceGetPcieReplayCounter", nvmlDeviceGetPcieReplayCounter(device, value));
        return Integer.toUnsignedLong(value.get());
      case GPU_UTIL:
      case MEM_COPY_UTIL:
        {
          nvmlUtilization_t utilization = new nvmlUtilization_t();
          check(
              "nvmlDeviceGetUtilizationRates", nvmlDeviceGetUtilizationRates(device, utilization));
          return Integer.toUnsignedLong(
              reading == GpuReading.GPU_UTIL ? utilization.gpu() : utilization.memory());
        }
      case ENC_UTIL:
        check(
            "nvmlDeviceGetEncoderUtilization",
            nvmlDeviceGetEncoderUtilization(device, value, new IntPointer(1)));
        return Integer.toUnsignedLong(value.get());
      case DEC_UTIL:
        check(
            "nvmlDeviceGetDecoderUtilization",
            nvmlDeviceGetDecoderUtilization(device, value, new IntPointer(1)));
        return Integer.toUnsignedLong(value.get());
      case FB_FREE_BYTES:
      case FB_USED_BYTES:
      case FB_RESERVED_BYTES:
        {
          nvmlMemory_v2_t memory = memoryInfo(device);
          if (reading == GpuReading.FB_USED_BYTES) {
            return memory.used();
          }
          return reading == GpuReading.FB_RESERVED_BYTES
              ? memory.reserved()
              : memory.total() - memory.reserved() - memory.used();
        }
      case ECC_SBE_VOL_TOTAL:
        return ecc(device, NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_VOLATILE_ECC);
      case ECC_DBE_VOL_TOTAL:
        return ecc(device, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC);
      case ECC_SBE_AGG_TOTAL:
        return ecc(device, NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_AGGREGATE_ECC);
      case ECC_DBE_AGG_TOTAL:
        return ecc(device, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_AGGREGATE_ECC);
      case CLOCK_EVENT_REASONS:
        check(
            "nvmlDeviceGetCurrentClocksEventReasons",
            nvmlDeviceGetCurrentClocksEventReasons(device, wide));
        return wide.get();
      case NVLINK_BANDWIDTH_TOTAL:
        return fieldValue(
                device,
                NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX,
                ALL_LINKS,
                "NVLINK_THROUGHPUT_DATA_TX")
            + fieldValue(
                device,
                NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX,
                ALL_LINKS,
                "NVLINK_THROUGHPUT_DATA_RX");
      case NVLINK_CRC_FLIT_ERRORS:
        return fieldValue(
            device,
            NVML_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL,
            0,
            "NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL");
      case NVLINK_CRC_DATA_ERRORS:
        return fieldValue(
            device,
            NVML_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL,
            0,
            "NVLINK_CRC_DATA_ERROR_COUNT_TOTAL");
      case NVLINK_REPLAY_ERRORS:
        return fieldValue(
            device,
            NVML_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL,
            0,
            "NVLINK_REPLAY_ERROR_COUNT_TOTAL");
      case NVLINK_RECOVERY_ERRORS:
        return fieldValue(
            device,
            NVML_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL,
            0,
            "NVLINK_RECOVERY_ERROR_COUNT_TOTAL");
      case UNCORRECTABLE_REMAPPED_ROWS:
      case CORRECTABLE_REMAPPED_ROWS:
      case ROW_REMAP_FAILURE:
      case ROW_REMAP_PENDING:
        {
          // NOT_SUPPORTED while MIG has active instances: the series are then absent, as
          // NOT_SUPPORTED always is.
          IntPointer correctable = new IntPointer(1);
          IntPointer uncorrectable = new IntPointer(1);
          IntPointer pending = new IntPointer(1);
          IntPointer failure = new IntPointer(1);
          check(
              "nvmlDeviceGetRemappedRows",
              nvmlDeviceGetRemappedRows(device, correctable, uncorrectable, pending, failure));
          IntPointer chosen =
              switch (reading) {
                case ROW_REMAP_FAILURE -> failure;
                case ROW_REMAP_PENDING -> pending;
                case CORRECTABLE_REMAPPED_ROWS -> correctable;
                default -> uncorrectable;
              };
          return Integer.toUnsignedLong(chosen.get());
        }
      default:
        throw new IllegalStateException("unmapped reading " + reading);
    }
  }

  private static long ecc(nvmlDevice_st device, int errorType, int counterType)
      throws NvmlException {
    LongPointer count = new LongPointer(1);
    check(
        "nvmlDeviceGetTotalEccErrors",
        nvmlDeviceGetTotalEccErrors(device, errorType, counterType, count));
    return count.get();
  }

  /**
   * One NVML field value as a long, whatever its declared type; the field's own return code is
   * checked too.
   */
  private static long fieldValue(nvmlDevice_st device, int fieldId, int scopeId, String field)
      throws NvmlException {
    nvmlFieldValue_t value = new nvmlFieldValue_t();
    value.fieldId(fieldId).scopeId(scopeId);
    String call = "nvmlDeviceGetFieldValues(" + field + ")";
    check(call, nvmlDeviceGetFieldValues(device, 1, value));
    check(call, value.nvmlReturn());
    switch (value.valueType()) {
      case NVML_VALUE_TYPE_DOUBLE:
        return (long) value.value().dVal();
      case NVML_VALUE_TYPE_UNSIGNED_INT:
        return Integer.toUnsignedLong(value.value().uiVal());
      case NVML_VALUE_TYPE_SIGNED_INT:
        return value.value().siVal();
      case NVML_VALUE_TYPE_UNSIGNED_SHORT:
        return Short.toUnsignedLong(value.value().usVal());
      case NVML_VALUE_TYPE_UNSIGNED_LONG:
        return value.value().ulVal();
      case NVML_VALUE_TYPE_SIGNED_LONG_LONG:
        return value.value().sllVal();
      default:
        return value.value().ullVal();
    }
  }

  private static nvmlMemory_v2_t memoryInfo(nvmlDevice_st device) throws NvmlException {
    nvmlMemory_v2_t memory = new nvmlMemory_v2_t();
    memory.version(memory.sizeof() | (2 << 24));
    check("nvmlDeviceGetMemoryInfo_v2", nvmlDeviceGetMemoryInfo_v2(device, memory));
    return memory;
  }

  @Override
  public List<MigInstance> migInstances(int index) throws NvmlException {
    nvmlDevice_st device = handle(index);
    IntPointer current = new IntPointer(1);
    int rc = nvmlDeviceGetMigMode(device, current, new IntPointer(1));
    if (rc == NvmlException.NOT_SUPPORTED
        || (rc == NVML_SUCCESS && current.get() != NVML_DEVICE_MIG_ENABLE)) {
      return List.of();
    }
    check("nvmlDeviceGetMigMode", rc);
    IntPointer max = new IntPointer(1);
    check("nvmlDeviceGetMaxMigDeviceCount", nvmlDeviceGetMaxMigDeviceCount(device, max));
    List<MigInstance> instances = new ArrayList<>();
    for (int slot = 0; slot < max.get(); slot++) {
      nvmlDevice_st mig = new nvmlDevice_st();
      int slotRc = nvmlDeviceGetMigDeviceHandleByIndex(device, slot, mig);
      if (slotRc == NvmlException.NOT_FOUND) {
        continue;
      }
      check("nvmlDeviceGetMigDeviceHandleByIndex", slotRc);
      IntPointer gpuInstanceId = new IntPointer(1);
      check("nvmlDeviceGetGpuInstanceId", nvmlDeviceGetGpuInstanceId(mig, gpuInstanceId));
      BytePointer name = new BytePointer(STRING_BUFFER);
      check("nvmlDeviceGetName(MIG)", nvmlDeviceGetName(mig, name, STRING_BUFFER));
      BytePointer uuid = new BytePointer(STRING_BUFFER);
      check("nvmlDeviceGetUUID(MIG)", nvmlDeviceGetUUID(mig, uuid, STRING_BUFFER));
      nvmlMemory_v2_t memory = memoryInfo(mig);
      instances.add(
          new MigInstance(
              gpuInstanceId.get(),
              MigProfiles.fromDeviceName(cString(name)),
              cString(uuid),
              memory.used(),
              memory.total() - memory.reserved() - memory.used()));
    }
    return instances;
  }

  @Override
  public List<GpuProcess> computeProcesses(int index) throws NvmlException {
    nvmlDevice_st device = handle(index);
    int capacity = PROCESS_BUFFER;
    while (true) {
      IntPointer count = new IntPointer(1).put(capacity);
      nvmlProcessInfo_v2_t infos = new nvmlProcessInfo_v2_t(capacity);
      int rc = nvmlDeviceGetComputeRunningProcesses_v3(device, count, infos);
      if (rc == NvmlException.INSUFFICIENT_SIZE) {
        capacity =
            Math.max(count.get(), capacity * 2); // processes started meanwhile: ask again with room
        continue;
      }
      check("nvmlDeviceGetComputeRunningProcesses_v3", rc);
      List<GpuProcess> processes = new ArrayList<>(count.get());
      for (int i = 0; i < count.get(); i++) {
        nvmlProcessInfo_v2_t info = infos.getPointer(i);
        processes.add(new GpuProcess(info.pid(), info.usedGpuMemory(), info.gpuInstanceId()));
      }
      return processes;
    }
  }

  @Override
  public List<ProcessUtilization> processUtilization(int index, long sinceMicros)
      throws NvmlException {
    nvmlDevice_st device = handle(index);
    IntPointer count = new IntPointer(1).put(0);
    int rc = nvmlDeviceGetProcessUtilization(device, null, count, sinceMicros);
    if (rc == NvmlException.NOT_FOUND) {
      return List.of(); // no sample since then
    }
    if (rc != NvmlException.INSUFFICIENT_SIZE) {
      check("nvmlDeviceGetProcessUtilization", rc);
    }
    while (true) {
      int capacity = Math.max(count.get(), 1);
      nvmlProcessUtilizationSample_t samples = new nvmlProcessUtilizationSample_t(capacity);
      count.put(capacity);
      rc = nvmlDeviceGetProcessUtilization(device, samples, count, sinceMicros);
      if (rc == NvmlException.INSUFFICIENT_SIZE) {
        count.put(capacity * 2); // processes started meanwhile: ask again with room
        continue;
      }
      if (rc == NvmlException.NOT_FOUND) {
        return List.of();
      }
      check("nvmlDeviceGetProcessUtilization", rc);
      List<ProcessUtilization> result = new ArrayList<>(count.get());
      for (int i = 0; i < count.get(); i++) {
        nvmlProcessUtilizationSample_t sample = samples.getPointer(i);
        result.add(
            new ProcessUtilization(
                sample.pid(),
                sample.timeStamp(),
                sample.smUtil(),
                sample.memUtil(),
                sample.encUtil(),
                sample.decUtil()));
      }
      return result;
    }
  }

  @Override
  public GpmSample gpmSample(int index, int gpuInstanceId) throws NvmlException {
    nvmlDevice_st device = handle(index);
    nvmlGpmSupport_t support = new nvmlGpmSupport_t();
    support.version(NVML_GPM_SUPPORT_VERSION);
    check("nvmlGpmQueryDeviceSupport", nvmlGpmQueryDeviceSupport(device, support));
    if (support.isSupportedDevice() == 0) {
      throw new NvmlException("nvmlGpmQueryDeviceSupport", NvmlException.NOT_SUPPORTED);
    }
    nvmlGpmSample_st sample = new nvmlGpmSample_st();
    check("nvmlGpmSampleAlloc", nvmlGpmSampleAlloc(sample));
    int rc =
        gpuInstanceId == NO_GPU_INSTANCE
            ? nvmlGpmSampleGet(device, sample)
            : nvmlGpmMigSampleGet(device, gpuInstanceId, sample);
    if (rc != NVML_SUCCESS) {
      nvmlGpmSampleFree(sample);
      throw new NvmlException(
          gpuInstanceId == NO_GPU_INSTANCE ? "nvmlGpmSampleGet" : "nvmlGpmMigSampleGet", rc);
    }
    return new NativeGpmSample(sample);
  }

  @Override
  public Map<GpmMetric, Double> gpmMetrics(GpmSample earlier, GpmSample later)
      throws NvmlException {
    GpmMetric[] wanted = GpmMetric.values();
    nvmlGpmMetricsGet_t request = new nvmlGpmMetricsGet_t();
    request.version(NVML_GPM_METRICS_GET_VERSION);
    request.numMetrics(wanted.length);
    request.sample1(((NativeGpmSample) earlier).sample);
    request.sample2(((NativeGpmSample) later).sample);
    for (int i = 0; i < wanted.length; i++) {
      request.metrics(i).metricId(wanted[i].nvmlMetricId());
    }
    check("nvmlGpmMetricsGet", nvmlGpmMetricsGet(request));
    Map<GpmMetric, Double> values = new EnumMap<>(GpmMetric.class);
    for (int i = 0; i < wanted.length; i++) {
      if (request.metrics(i).nvmlReturn() == NVML_SUCCESS) {
        values.put(wanted[i], request.metrics(i).value());
      }
    }
    return values;
  }

  private static final class NativeGpmSample implements GpmSample {
    private final nvmlGpmSample_st sample;

    NativeGpmSample(nvmlGpmSample_st sample) {
      this.sample = sample;
    }

    @Override
    public void close() {
      nvmlGpmSampleFree(sample);
    }
  }

  @Override
  public XidEvents xidEvents() throws NvmlException {
    nvmlEventSet_st set = new nvmlEventSet_st();
    check("nvmlEventSetCreate", nvmlEventSetCreate(set));
    return new NativeXidEvents(set);
  }

  private static final class NativeXidEvents implements XidEvents {
    private final nvmlEventSet_st set;
    private final nvmlEventData_t data = new nvmlEventData_t();

    NativeXidEvents(nvmlEventSet_st set) {
      this.set = set;
    }

    @Override
    public void register(int index) throws NvmlException {
      check(
          "nvmlDeviceRegisterEvents",
          nvmlDeviceRegisterEvents(handle(index), nvmlEventTypeXidCriticalError, set));
    }

    @Override
    public Optional<XidEvent> next(int timeoutMillis) throws NvmlException {
      int rc = nvmlEventSetWait_v2(set, data, timeoutMillis);
      if (rc == NvmlException.TIMEOUT) {
        return Optional.empty();
      }
      check("nvmlEventSetWait_v2", rc);
      if (data.eventType() != nvmlEventTypeXidCriticalError) {
        return Optional.empty();
      }
      IntPointer index = new IntPointer(1);
      check("nvmlDeviceGetIndex", nvmlDeviceGetIndex(data.device(), index));
      return Optional.of(new XidEvent(index.get(), data.eventData(), data.gpuInstanceId()));
    }

    @Override
    public void close() {
      nvmlEventSetFree(set);
    }
  }

  @Override
  public void close() {
    nvmlShutdown();
  }
}
