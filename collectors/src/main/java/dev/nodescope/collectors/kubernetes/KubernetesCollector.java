package dev.nodescope.collectors.kubernetes;

import static dev.nodescope.collectors.kubernetes.KubernetesMetrics.CONTAINER_RESTARTS;
import static dev.nodescope.collectors.kubernetes.KubernetesMetrics.OBJECTS;
import static dev.nodescope.collectors.kubernetes.KubernetesMetrics.POD_INFO;
import static dev.nodescope.collectors.kubernetes.KubernetesMetrics.SYNCED;
import static dev.nodescope.collectors.kubernetes.KubernetesMetrics.WATCH_ERRORS;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;

/**
 * Reads the informers' stores (no API call of its own): every run reflects the pods the watch knows
 * now, so the series of a deleted pod disappear with the next run.
 */
final class KubernetesCollector implements Collector {
  private final KubernetesMetadata metadata;

  KubernetesCollector(KubernetesMetadata metadata) {
    this.metadata = metadata;
  }

  @Override
  public void collect(SnapshotBuilder out) {
    for (PodInfo pod : metadata.pods().pods()) {
      out.add(
          POD_INFO,
          1,
          pod.namespace(),
          pod.name(),
          pod.uid(),
          pod.nodeName(),
          pod.ownerKind(),
          pod.ownerName(),
          Boolean.toString(pod.hostNetwork()),
          pod.ips().isEmpty() ? "" : pod.ips().get(0));
      for (PodInfo.ContainerInfo container : pod.containers()) {
        out.add(
            CONTAINER_RESTARTS,
            container.restartCount(),
            pod.namespace(),
            pod.name(),
            container.name());
      }
    }
    for (ResourceWatch watch : metadata.watches()) {
      out.add(WATCH_ERRORS, watch.errors(), watch.resource());
      out.add(SYNCED, watch.synced() ? 1 : 0, watch.resource());
      out.add(OBJECTS, watch.objects(), watch.resource());
    }
  }
}
