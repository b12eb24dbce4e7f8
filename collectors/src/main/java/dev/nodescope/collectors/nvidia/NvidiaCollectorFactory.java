package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;

/**
 * The "nvidia" collector: dcgm-exporter compatible GPU metrics through NVML; absent driver = source
 * unavailable.
 */
public final class NvidiaCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "nvidia",
          Duration.ofSeconds(30),
          "NVIDIA GPU and MIG metrics through NVML, under dcgm-exporter names and labels");

  public NvidiaCollectorFactory() {
    super(INFO, NvidiaMetrics.ALL);
  }

  @Override
  public Collector create(CollectorContext context) throws SourceUnavailableException {
    Nvml nvml;
    try {
      nvml = BytedecoNvml.open();
    } catch (NvmlException | LinkageError e) {
      throw new SourceUnavailableException("no usable NVIDIA driver (NVML): " + e.getMessage(), e);
    }
    return new NvidiaCollector(nvml, context);
  }
}
