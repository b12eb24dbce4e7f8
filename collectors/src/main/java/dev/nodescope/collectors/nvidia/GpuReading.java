package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/**
 * One per-GPU value: the dcgm-exporter name it is exposed under and how NVML's raw unit converts to
 * dcgm's. dcgm-exporter "counters" without a _total suffix are declared as gauges: OpenMetrics
 * counters must end in _total, and the dcgm name is what dashboards and alerts match on.
 */
public enum GpuReading {
  SM_CLOCK("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", 1),
  MEM_CLOCK("DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", 1),
  GPU_TEMP("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", 1),
  MEMORY_TEMP("DCGM_FI_DEV_MEMORY_TEMP", "Memory temperature (in C).", 1),
  POWER_USAGE_MILLIWATTS("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", 1e-3),
  TOTAL_ENERGY_MILLIJOULES(
      "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
      "Total energy consumption since the driver was last reloaded (in mJ); a dcgm counter exposed as a gauge.",
      1),
  PCIE_REPLAYS(
      "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
      "Total number of PCIe retries; a dcgm counter exposed as a gauge.",
      1),
  GPU_UTIL("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", 1),
  MEM_COPY_UTIL("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", 1),
  ENC_UTIL("DCGM_FI_DEV_ENC_UTIL", "Encoder utilization (in %).", 1),
  DEC_UTIL("DCGM_FI_DEV_DEC_UTIL", "Decoder utilization (in %).", 1),
  FB_FREE_BYTES("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", 1.0 / (1 << 20)),
  FB_USED_BYTES("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", 1.0 / (1 << 20)),
  FB_RESERVED_BYTES(
      "DCGM_FI_DEV_FB_RESERVED", "Framebuffer memory reserved (in MiB).", 1.0 / (1 << 20)),
  ECC_SBE_VOL_TOTAL("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "Single-bit volatile ECC errors.", 1),
  ECC_DBE_VOL_TOTAL("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "Double-bit volatile ECC errors.", 1),
  ECC_SBE_AGG_TOTAL(
      "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "Single-bit aggregate (persistent) ECC errors.", 1),
  ECC_DBE_AGG_TOTAL(
      "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "Double-bit aggregate (persistent) ECC errors.", 1),
  CLOCK_EVENT_REASONS(
      "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS",
      "Current clock event (throttle) reasons, the NVML bitmask.",
      1),
  NVLINK_BANDWIDTH_TOTAL(
      "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL",
      "NVLink data transmitted plus received over all links since the driver was loaded, in KiB as NVML counts"
          + " it; a dcgm counter exposed as a gauge.",
      1),
  NVLINK_CRC_FLIT_ERRORS(
      "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL",
      "NVLink flow-control CRC errors, all links.",
      1),
  NVLINK_CRC_DATA_ERRORS(
      "DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL", "NVLink data CRC errors, all links.", 1),
  NVLINK_REPLAY_ERRORS(
      "DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL", "NVLink replay errors, all links.", 1),
  NVLINK_RECOVERY_ERRORS(
      "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", "NVLink recovery errors, all links.", 1),
  UNCORRECTABLE_REMAPPED_ROWS(
      "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
      "Rows remapped because of uncorrectable errors; a dcgm counter exposed as a gauge.",
      1),
  CORRECTABLE_REMAPPED_ROWS(
      "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
      "Rows remapped because of correctable errors; a dcgm counter exposed as a gauge.",
      1),
  ROW_REMAP_FAILURE("DCGM_FI_DEV_ROW_REMAP_FAILURE", "1 if a row remapping has failed, else 0.", 1),
  ROW_REMAP_PENDING(
      "DCGM_FI_DEV_ROW_REMAP_PENDING",
      "1 if a row remapping is pending (applied at the next GPU reset), else 0.",
      1);

  private final String metricName;
  private final String help;
  private final double scale;

  GpuReading(String metricName, String help, double scale) {
    this.metricName = metricName;
    this.help = help;
    this.scale = scale;
  }

  public double scale() {
    return scale;
  }

  MetricDescriptor descriptor(List<String> labelNames) {
    return MetricDescriptor.gauge(metricName, help, labelNames);
  }
}
