package dev.nodescope.collectors.nvidia;

/** An NVML call returned something other than NVML_SUCCESS; {@link #returnCode} is the nvmlReturn_t value. */
public final class NvmlException extends Exception {
  public static final int NOT_SUPPORTED = 3;
  public static final int NOT_FOUND = 6;
  public static final int GPU_IS_LOST = 15;

  private final int returnCode;

  public NvmlException(String call, int returnCode) {
    super(call + " failed with NVML return code " + returnCode);
    this.returnCode = returnCode;
  }

  public int returnCode() {
    return returnCode;
  }

  public boolean notSupported() {
    return returnCode == NOT_SUPPORTED;
  }

  public boolean gpuLost() {
    return returnCode == GPU_IS_LOST;
  }
}
