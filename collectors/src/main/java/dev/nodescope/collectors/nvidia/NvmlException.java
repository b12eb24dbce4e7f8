package dev.nodescope.collectors.nvidia;

/**
 * An NVML call returned something other than NVML_SUCCESS; {@link #returnCode} is the nvmlReturn_t
 * value.
 */
public final class NvmlException extends Exception {
  public static final int NOT_SUPPORTED = 3;
  public static final int NOT_FOUND = 6;
  public static final int INSUFFICIENT_SIZE = 7;
  public static final int TIMEOUT = 10;
  public static final int GPU_IS_LOST = 15;

  private final String function;
  private final int returnCode;

  public NvmlException(String function, int returnCode) {
    super(function + " failed with NVML return code " + returnCode);
    this.function = function;
    this.returnCode = returnCode;
  }

  /**
   * The NVML function that failed (with the field or clock asked for, when one function reads
   * several).
   */
  public String function() {
    return function;
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
