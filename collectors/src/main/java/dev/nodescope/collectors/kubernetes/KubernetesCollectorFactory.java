package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;
import java.util.List;

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
  static final MetricDescriptor POD_INFO =
      MetricDescriptor.info(
          "nodescope_pod_info",
          "Pods on this node, with their owner workload (a ReplicaSet's Deployment, a StatefulSet, a DaemonSet, a Job, "
              + "or the pod itself) and first IP; always 1.",
          "namespace",
          "pod",
          "uid",
          "node",
          "owner_kind",
          "owner_name",
          "host_network",
          "pod_ip");
  static final MetricDescriptor CONTAINER_RESTARTS =
      MetricDescriptor.counter(
          "nodescope_pod_container_restarts_total",
          "Restarts of each container of this node's pods (init containers included), as the kubelet reports them.",
          "namespace",
          "pod",
          "container");
  static final MetricDescriptor WATCH_ERRORS =
      MetricDescriptor.counter(
          "nodescope_kubernetes_watch_errors_total",
          "Failed lists and watches of a Kubernetes resource; each is retried with backoff.",
          "resource");
  static final MetricDescriptor SYNCED =
      MetricDescriptor.gauge(
          "nodescope_kubernetes_synced",
          "1 when the resource is listed and watched (its metadata is current), 0 while the agent catches up.",
          "resource");
  static final MetricDescriptor OBJECTS =
      MetricDescriptor.gauge(
          "nodescope_kubernetes_objects",
          "Objects of the resource the agent holds (this node's pods; every node, Service and EndpointSlice when flow "
              + "attribution needs them).",
          "resource");

  public KubernetesCollectorFactory() {
    super(INFO, List.of(POD_INFO, CONTAINER_RESTARTS, WATCH_ERRORS, SYNCED, OBJECTS));
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
