package dev.nodescope.collectors.core;

import java.time.Clock;

/**
 * What a collector may use: the root paths, the node's identity, flag values, the Kubernetes
 * metadata to join on (this node's pods, light lookups of the rest of the cluster), the kubelet's
 * device assignments, and the objects collectors of this context share.
 */
public record CollectorContext(
    RootPaths paths,
    String nodeName,
    FlagValues flags,
    PodDirectory pods,
    ClusterDirectory cluster,
    PodResources podResources,
    Clock clock,
    SharedObjects shared) {

  /** A context whose collectors share nothing with those of another context. */
  public CollectorContext(
      RootPaths paths,
      String nodeName,
      FlagValues flags,
      PodDirectory pods,
      ClusterDirectory cluster,
      PodResources podResources,
      Clock clock) {
    this(paths, nodeName, flags, pods, cluster, podResources, clock, new SharedObjects());
  }
}
