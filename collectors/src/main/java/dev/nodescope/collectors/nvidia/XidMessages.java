package dev.nodescope.collectors.nvidia;

import java.util.Map;

/**
 * The err_msg label of DCGM_FI_DEV_XID_ERRORS: the name NVIDIA's XID catalogue gives an XID. Only
 * the XIDs seen on datacenter GPUs are listed; any other reads "Unknown Error", as dcgm-exporter
 * writes for XIDs it does not know.
 */
final class XidMessages {
  static final String UNKNOWN = "Unknown Error";

  private static final Map<Long, String> NAMES =
      Map.ofEntries(
          Map.entry(0L, "No Error"),
          Map.entry(8L, "GPU stopped processing"),
          Map.entry(13L, "Graphics Engine Exception"),
          Map.entry(31L, "GPU memory page fault"),
          Map.entry(32L, "Invalid or corrupted push buffer stream"),
          Map.entry(38L, "Driver firmware error"),
          Map.entry(43L, "GPU stopped processing"),
          Map.entry(
              45L,
              "Preemptive cleanup, due to previous errors -- Most likely to see when running multiple cuda"),
          Map.entry(48L, "Double Bit ECC Error"),
          Map.entry(61L, "Internal micro-controller breakpoint/warning"),
          Map.entry(62L, "Internal micro-controller halt"),
          Map.entry(63L, "ECC page retirement or row remapping recording event"),
          Map.entry(64L, "ECC page retirement or row remapper recording failure"),
          Map.entry(68L, "NVDEC0 Exception"),
          Map.entry(69L, "Graphics Engine class error"),
          Map.entry(74L, "NVLINK Error"),
          Map.entry(79L, "GPU has fallen off the bus"),
          Map.entry(92L, "High single-bit ECC error rate"),
          Map.entry(94L, "Contained ECC error"),
          Map.entry(95L, "Uncontained ECC error"),
          Map.entry(109L, "Context Switch Timeout Error"),
          Map.entry(119L, "GSP RPC Timeout"),
          Map.entry(120L, "GSP Error"),
          Map.entry(121L, "C2C Link Error"),
          Map.entry(136L, "ALI Training Fail"),
          Map.entry(137L, "NVLink Privilege Error"),
          Map.entry(140L, "Unrecovered ECC Error"),
          Map.entry(143L, "GPU Initialization Failure"),
          Map.entry(144L, "NVLINK: Saw Error"),
          Map.entry(145L, "NVLINK: RLW Error"),
          Map.entry(146L, "NVLINK: TLW Error"),
          Map.entry(147L, "NVLINK: TREX Error"),
          Map.entry(148L, "NVLINK: NVLPW_CTRL Error"),
          Map.entry(149L, "NVLINK: NETIR Error"),
          Map.entry(150L, "NVLINK: MSE Error"),
          Map.entry(154L, "GPU Recovery Action Changed"),
          Map.entry(155L, "NVLINK: SW Defined Error"),
          Map.entry(156L, "Resource Retirement Event"),
          Map.entry(157L, "Resource Retirement Failure"),
          Map.entry(158L, "GPU Fatal Timeout"));

  private XidMessages() {}

  static String of(long xid) {
    return NAMES.getOrDefault(xid, UNKNOWN);
  }
}
