package dev.nodescope.collectors.core;

import java.time.Clock;

/**
 * What a collector may use: the root paths, the node's identity, flag values, and the Kubernetes metadata to join
 * on (this node's pods, and light lookups of the rest of the cluster).
 */
public record CollectorContext(
    RootPaths paths, String nodeName, FlagValues flags, PodDirectory pods, ClusterDirectory cluster, Clock clock) {}
