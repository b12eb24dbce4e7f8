package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import java.util.List;

/**
 * The NVML GPM metrics (Hopper and newer) exposed under dcgm's profiling names. NVML gives
 * utilizations in percent and PCIe traffic in MiB/s; dcgm's are ratios 0..1 and bytes/s.
 */
public enum GpmMetric {
  GR_ENGINE_ACTIVE(
      1,
      "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
      "Ratio of time the graphics engine is active (0-1).",
      0.01),
  SM_ACTIVE(
      2,
      "DCGM_FI_PROF_SM_ACTIVE",
      "Ratio of cycles an SM has at least one warp assigned (0-1).",
      0.01),
  SM_OCCUPANCY(
      3,
      "DCGM_FI_PROF_SM_OCCUPANCY",
      "Ratio of warps resident on an SM to the maximum it supports (0-1).",
      0.01),
  PIPE_TENSOR_ACTIVE(
      5,
      "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
      "Ratio of cycles any tensor pipe is active (0-1).",
      0.01),
  DRAM_ACTIVE(
      10,
      "DCGM_FI_PROF_DRAM_ACTIVE",
      "Ratio of cycles the device memory interface is active sending or receiving data (0-1).",
      0.01),
  PCIE_TX_BYTES(
      20, "DCGM_FI_PROF_PCIE_TX_BYTES", "PCIe bytes per second transmitted by the GPU.", 1 << 20),
  PCIE_RX_BYTES(
      21, "DCGM_FI_PROF_PCIE_RX_BYTES", "PCIe bytes per second received by the GPU.", 1 << 20);

  private final int nvmlMetricId;
  private final String metricName;
  private final String help;
  private final double scale;

  GpmMetric(int nvmlMetricId, String metricName, String help, double scale) {
    this.nvmlMetricId = nvmlMetricId;
    this.metricName = metricName;
    this.help = help;
    this.scale = scale;
  }

  /** nvmlGpmMetricId_t. */
  public int nvmlMetricId() {
    return nvmlMetricId;
  }

  public double scale() {
    return scale;
  }

  MetricDescriptor descriptor(List<String> labelNames) {
    return new MetricDescriptor(metricName, MetricType.GAUGE, help, labelNames);
  }
}
