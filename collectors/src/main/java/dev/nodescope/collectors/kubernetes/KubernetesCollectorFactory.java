package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;

/**
 * The "kubernetes" collector: this node's pods as info series and restart counters, and the
 * watches' health.
 */
public final class KubernetesCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "kubernetes",
          Duration.ofSeconds(15),
          "pod metadata of this node from the API server (pod info, container restarts).");

  public KubernetesCollectorFactory() {
    super(INFO, KubernetesMetrics.ALL);
  }

  @Override
  public Collector create(CollectorContext context) throws SourceUnavailableException {
    KubernetesMetadata metadata =
        KubernetesMetadata.behind(context.pods())
            .orElseThrow(
                () -> new SourceUnavailableException("no Kubernetes API access (node mode)"));
    return new KubernetesCollector(metadata);
  }
}
