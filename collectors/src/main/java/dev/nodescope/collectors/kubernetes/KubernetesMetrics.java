package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/** The series of the {@code kubernetes} collector: this node's pods and the watches' health. */
public final class KubernetesMetrics {
  public static final MetricDescriptor POD_INFO =
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
  public static final MetricDescriptor CONTAINER_RESTARTS =
      MetricDescriptor.counter(
          "nodescope_pod_container_restarts_total",
          "Restarts of each container of this node's pods (init containers included), as the kubelet reports them.",
          "namespace",
          "pod",
          "container");
  public static final MetricDescriptor WATCH_ERRORS =
      MetricDescriptor.counter(
          "nodescope_kubernetes_watch_errors_total",
          "Failed lists and watches of a Kubernetes resource; each is retried with backoff.",
          "resource");
  public static final MetricDescriptor SYNCED =
      MetricDescriptor.gauge(
          "nodescope_kubernetes_synced",
          "1 when the resource is listed and watched (its metadata is current), 0 while the agent catches up.",
          "resource");
  public static final MetricDescriptor OBJECTS =
      MetricDescriptor.gauge(
          "nodescope_kubernetes_objects",
          "Objects of the resource the agent holds (this node's pods; every node, Service and EndpointSlice when flow "
              + "attribution needs them).",
          "resource");

  public static final List<MetricDescriptor> ALL =
      List.of(POD_INFO, CONTAINER_RESTARTS, WATCH_ERRORS, SYNCED, OBJECTS);

  private KubernetesMetrics() {}
}
