package dev.nodescope.collectors.core;

import java.time.Clock;

/**
 * What a collector may use: the root paths, the node's identity, flag values, the Kubernetes
 * metadata to join on (this node's pods, light lookups of the rest of the cluster) and the
 * kubelet's device assignments.
 */
public record CollectorContext(
    RootPaths paths,
    String nodeName,
    FlagValues flags,
    PodDirectory pods,
    ClusterDirectory cluster,
    PodResources podResources,
    Clock clock) {}
