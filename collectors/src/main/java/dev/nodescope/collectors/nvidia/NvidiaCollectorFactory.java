package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;
import java.util.List;

/** The "nvidia" collector: dcgm-exporter compatible GPU metrics through NVML; absent driver = source unavailable. */
public final class NvidiaCollectorFactory implements CollectorFactory {
  @Override
  public String name() {
    return "nvidia";
  }

  @Override
  public String description() {
    return "NVIDIA GPU and MIG metrics through NVML, under dcgm-exporter names and labels";
  }

  @Override
  public boolean enabledByDefault() {
    return true;
  }

  @Override
  public Duration defaultInterval() {
    return Duration.ofSeconds(30);
  }

  @Override
  public List<MetricDescriptor> descriptors() {
    return NvidiaCollector.descriptors();
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
