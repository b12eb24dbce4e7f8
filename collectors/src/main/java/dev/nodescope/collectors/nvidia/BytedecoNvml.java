package dev.nodescope.collectors.nvidia;

import static org.bytedeco.cuda.global.nvml.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlMemory_v2_t;
import org.bytedeco.cuda.nvml.nvmlPciInfo_t;
import org.bytedeco.cuda.nvml.nvmlUtilization_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/** {@link Nvml} over org.bytedeco's NVML binding (versioned names: the preset omits the unversioned ones). */
final class BytedecoNvml implements Nvml {
  private static final int STRING_BUFFER = 256;

  private BytedecoNvml() {}

  /**
   * Loads libjninvml and initialises NVML. Any LinkageError (no libnvidia-ml.so.1 on this node) is turned into an
   * NvmlException here so that it never escapes the collector.
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
   * JavaCPP's Loader would also load libjnicudart (the nvml preset inherits cudart), which needs libcudart.so.13:
   * absent on driver-only GPU nodes. libjninvml itself needs only libnvidia-ml.so.1, so it is loaded directly.
   */
  private static void loadJniNvmlOnly() throws NvmlException {
    System.setProperty("org.bytedeco.javacpp.loadlibraries", "false");
    try {
      java.io.File library = org.bytedeco.javacpp.Loader.cacheResource(
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

  private static nvmlDevice_st handle(int index) throws NvmlException {
    nvmlDevice_st device = new nvmlDevice_st();
    check("nvmlDeviceGetHandleByIndex_v2", nvmlDeviceGetHandleByIndex_v2(index, device));
    return device;
  }

  @Override
  public String driverVersion() throws NvmlException {
    BytePointer buffer = new BytePointer(STRING_BUFFER);
    check("nvmlSystemGetDriverVersion", nvmlSystemGetDriverVersion(buffer, STRING_BUFFER));
    return buffer.getString();
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
    return new GpuIdentity(index, uuid.getString(), pci.busId().getString(), name.getString());
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
        check("nvmlDeviceGetTemperature", nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_GPU, value));
        return Integer.toUnsignedLong(value.get());
      case MEMORY_TEMP:
        throw new NvmlException("memory temperature (field values not bound yet)", NvmlException.NOT_SUPPORTED);
      case POWER_USAGE_MILLIWATTS:
        check("nvmlDeviceGetPowerUsage", nvmlDeviceGetPowerUsage(device, value));
        return Integer.toUnsignedLong(value.get());
      case TOTAL_ENERGY_MILLIJOULES:
        check("nvmlDeviceGetTotalEnergyConsumption", nvmlDeviceGetTotalEnergyConsumption(device, wide));
        return wide.get();
      case PCIE_REPLAYS:
        check("nvmlDeviceGetPcieReplayCounter", nvmlDeviceGetPcieReplayCounter(device, value));
        return Integer.toUnsignedLong(value.get());
      case GPU_UTIL:
      case MEM_COPY_UTIL: {
        nvmlUtilization_t utilization = new nvmlUtilization_t();
        check("nvmlDeviceGetUtilizationRates", nvmlDeviceGetUtilizationRates(device, utilization));
        return Integer.toUnsignedLong(reading == GpuReading.GPU_UTIL ? utilization.gpu() : utilization.memory());
      }
      case ENC_UTIL:
        check("nvmlDeviceGetEncoderUtilization", nvmlDeviceGetEncoderUtilization(device, value, new IntPointer(1)));
        return Integer.toUnsignedLong(value.get());
      case DEC_UTIL:
        check("nvmlDeviceGetDecoderUtilization", nvmlDeviceGetDecoderUtilization(device, value, new IntPointer(1)));
        return Integer.toUnsignedLong(value.get());
      case FB_FREE_BYTES:
      case FB_USED_BYTES:
      case FB_RESERVED_BYTES: {
        nvmlMemory_v2_t memory = memoryInfo(device);
        if (reading == GpuReading.FB_USED_BYTES) {
          return memory.used();
        }
        return reading == GpuReading.FB_RESERVED_BYTES
            ? memory.reserved() : memory.total() - memory.reserved() - memory.used();
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
        check("nvmlDeviceGetCurrentClocksEventReasons", nvmlDeviceGetCurrentClocksEventReasons(device, wide));
        return wide.get();
      default:
        throw new IllegalStateException("unmapped reading " + reading);
    }
  }

  private static long ecc(nvmlDevice_st device, int errorType, int counterType) throws NvmlException {
    LongPointer count = new LongPointer(1);
    check("nvmlDeviceGetTotalEccErrors", nvmlDeviceGetTotalEccErrors(device, errorType, counterType, count));
    return count.get();
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
    if (rc == NvmlException.NOT_SUPPORTED || (rc == NVML_SUCCESS && current.get() != NVML_DEVICE_MIG_ENABLE)) {
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
      nvmlMemory_v2_t memory = memoryInfo(mig);
      instances.add(new MigInstance(gpuInstanceId.get(), MigProfiles.fromDeviceName(name.getString()),
          memory.used(), memory.total() - memory.reserved() - memory.used()));
    }
    return instances;
  }

  @Override
  public void close() {
    nvmlShutdown();
  }
}
