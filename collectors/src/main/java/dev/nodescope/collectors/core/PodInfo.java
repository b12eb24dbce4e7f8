package dev.nodescope.collectors.core;

import java.util.List;

/**
 * The pod metadata other collectors join on. Owner is the workload (a ReplicaSet's Deployment, a StatefulSet, a
 * DaemonSet, a Job), or the pod itself when it has no controller.
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
    List<ContainerInfo> containers) {

  public PodInfo {
    ips = List.copyOf(ips);
    containers = List.copyOf(containers);
  }

  /** A container of the pod; the id is the runtime's id without its scheme (containerd://, cri-o://). */
  public record ContainerInfo(String name, String id, int restartCount) {}
}
