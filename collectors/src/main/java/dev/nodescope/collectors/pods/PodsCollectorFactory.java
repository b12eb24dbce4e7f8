package dev.nodescope.collectors.pods;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU, memory and limits of each pod and container from the kubelet's cgroups; each pod's network
 * traffic.
 */
public final class PodsCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "pods",
          Duration.ofSeconds(15),
          "CPU, memory, limits and network traffic of each pod and container, from the kubelet's cgroups.");

  public PodsCollectorFactory() {
    super(INFO, PodsMetrics.ALL);
  }

  @Override
  public Collector create(CollectorContext context) throws SourceUnavailableException {
    Path cgroupRoot = context.paths().sys("fs/cgroup");
    CgroupReader reader = CgroupReader.detect(cgroupRoot);
    if (KubepodsTree.kubepodsRoots(reader.hierarchy()).isEmpty()) {
      throw new SourceUnavailableException(
          "no kubelet cgroup ("
              + String.join(" or ", KubepodsTree.KUBEPODS)
              + ") under "
              + reader.hierarchy());
    }
    return new PodsCollector(context.paths(), reader, context.pods());
  }
}
