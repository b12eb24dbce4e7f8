package dev.nodescope.collectors.nvidia;

/**
 * Prints one collection of every GPU reading as "index,READING,value" lines (dcgm units), for
 * scripts/nvml-vs-nvidia-smi.sh to compare with nvidia-smi on a GPU machine.
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
            System.out.println(index + "," + reading + "," + nvml.read(index, reading) * reading.scale());
          } catch (NvmlException e) {
            System.out.println(index + "," + reading + ",ERR " + e.returnCode());
          }
        }
        for (Nvml.MigInstance instance : nvml.migInstances(index)) {
          System.out.println(index + ",mig," + instance);
        }
      }
    }
  }
}
