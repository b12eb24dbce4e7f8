package dev.nodescope.collectors.core;

import java.util.List;
import java.util.Map;

/**
 * The pod metadata other collectors join on. Owner is the workload (a ReplicaSet's Deployment, a
 * StatefulSet, a DaemonSet, a Job), or the pod itself when it has no controller. Of the annotations
 * only the {@code prometheus.io/*} ones are kept (scrape mode of the CloudWatch bridge): others,
 * such as last-applied-configuration, can be large.
 */
public record PodInfo(
    String namespace,
    String name,
    String uid,
    List<String> ips,
    String ownerKind,
    String ownerName,
    boolean hostNetwork,
    String nodeName,
    List<ContainerInfo> containers,
    Map<String, String> prometheusAnnotations) {

  public static final String ANNOTATION_PREFIX = "prometheus.io/";

  public PodInfo {
    ips = List.copyOf(ips);
    containers = List.copyOf(containers);
    prometheusAnnotations = Map.copyOf(prometheusAnnotations);
  }

  public PodInfo(
      String namespace,
      String name,
      String uid,
      List<String> ips,
      String ownerKind,
      String ownerName,
      boolean hostNetwork,
      String nodeName,
      List<ContainerInfo> containers) {
    this(
        namespace,
        name,
        uid,
        ips,
        ownerKind,
        ownerName,
        hostNetwork,
        nodeName,
        containers,
        Map.of());
  }

  /**
   * A container of the pod; the id is the runtime's id without its scheme (containerd://,
   * cri-o://).
   */
  public record ContainerInfo(String name, String id, int restartCount) {}
}
