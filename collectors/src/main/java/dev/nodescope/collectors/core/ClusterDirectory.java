package dev.nodescope.collectors.core;

import java.util.Optional;

/**
 * Lookups beyond this node, for attributing traffic to its peers: Services by ClusterIP, remote pods and nodes by
 * IP, and each node's zone. Kept light (EndpointSlices and nodes, never every pod of the cluster) so that it scales
 * to thousands of nodes; empty without Kubernetes access.
 */
public interface ClusterDirectory {
  ClusterDirectory EMPTY = new ClusterDirectory() {};

  /** A Service, named by namespace and name. */
  record ServiceRef(String namespace, String name) {}

  /** A pod anywhere in the cluster, as far as EndpointSlices tell: its node may be unknown. */
  record RemotePod(String namespace, String name, String nodeName) {}

  default Optional<ServiceRef> serviceByClusterIp(String ip) {
    return Optional.empty();
  }

  default Optional<RemotePod> podByIp(String ip) {
    return Optional.empty();
  }

  default Optional<String> nodeByIp(String ip) {
    return Optional.empty();
  }

  default Optional<String> zoneOfNode(String nodeName) {
    return Optional.empty();
  }
}
