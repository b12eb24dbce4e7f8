package dev.nodescope.collectors.core;

import java.time.Clock;

/** What a collector may use: the root paths, the node's identity, flag values and the pod metadata to join on. */
public record CollectorContext(RootPaths paths, String nodeName, FlagValues flags, PodDirectory pods, Clock clock) {}
