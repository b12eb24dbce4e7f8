package dev.nodescope.collectors.nvidia;

import java.util.Map;

/**
 * Prints one collection of every GPU reading as "index,NAME,value" lines (dcgm units), for
 * scripts/nvml-vs-nvidia-smi.sh to compare with nvidia-smi on a GPU machine. GPM values come from
 * two samples one second apart; "ERR n" is NVML return code n (3: not supported on this GPU). Ends
 * with the first XID event within 100 ms, if any.
 */
public final class NvmlProbe {
  private NvmlProbe() {}

  public static void main(String[] args) throws Exception {
    try (Nvml nvml = BytedecoNvml.open()) {
      System.out.println("driver," + nvml.driverVersion());
      for (int index = 0; index < nvml.deviceCount(); index++) {
        Nvml.GpuIdentity id = nvml.identity(index);
        System.out.println(index + ",uuid," + id.uuid());
        System.out.println(index + ",pci_bus_id," + id.pciBusId());
        System.out.println(index + ",name," + id.modelName());
        for (GpuReading reading : GpuReading.values()) {
          try {
            System.out.println(
                index + "," + reading + "," + nvml.read(index, reading) * reading.scale());
          } catch (NvmlException e) {
            System.out.println(index + "," + reading + ",ERR " + e.returnCode());
          }
        }
        for (Nvml.MigInstance instance : nvml.migInstances(index)) {
          System.out.println(index + ",mig," + instance);
          printGpm(
              nvml, index, instance.gpuInstanceId(), "gpm_gi" + instance.gpuInstanceId() + "_");
        }
        for (Nvml.GpuProcess process : nvml.computeProcesses(index)) {
          System.out.println(
              index + ",process," + process.pid() + "," + process.usedMemoryBytes() / (1 << 20));
        }
        try {
          for (Nvml.ProcessUtilization sample : nvml.processUtilization(index, 0)) {
            System.out.println(
                index
                    + ",process_utilization,"
                    + sample.pid()
                    + ","
                    + sample.smPercent()
                    + ","
                    + sample.memoryPercent()
                    + ","
                    + sample.encoderPercent()
                    + ","
                    + sample.decoderPercent());
          }
        } catch (NvmlException e) {
          System.out.println(index + ",process_utilization,ERR " + e.returnCode());
        }
        printGpm(nvml, index, Nvml.NO_GPU_INSTANCE, "gpm_");
      }
      printXid(nvml);
    }
  }

  /**
   * Registers every GPU for XID events and waits briefly for one: "xid,none" on a healthy machine.
   */
  private static void printXid(Nvml nvml) throws NvmlException {
    try (Nvml.XidEvents events = nvml.xidEvents()) {
      for (int index = 0; index < nvml.deviceCount(); index++) {
        try {
          events.register(index);
        } catch (NvmlException e) {
          System.out.println(index + ",xid_register,ERR " + e.returnCode());
        }
      }
      System.out.println(
          "xid,"
              + events
                  .next(100)
                  .map(event -> event.gpuIndex() + "," + event.xid() + "," + event.gpuInstanceId())
                  .orElse("none"));
    }
  }

  private static void printGpm(Nvml nvml, int index, int gpuInstanceId, String prefix)
      throws InterruptedException {
    try (Nvml.GpmSample first = nvml.gpmSample(index, gpuInstanceId)) {
      Thread.sleep(1000);
      try (Nvml.GpmSample second = nvml.gpmSample(index, gpuInstanceId)) {
        for (Map.Entry<GpmMetric, Double> metric : nvml.gpmMetrics(first, second).entrySet()) {
          System.out.println(
              index
                  + ","
                  + prefix
                  + metric.getKey()
                  + ","
                  + metric.getValue() * metric.getKey().scale());
        }
      }
    } catch (NvmlException e) {
      System.out.println(index + "," + prefix + ",ERR " + e.returnCode());
    }
  }
}
