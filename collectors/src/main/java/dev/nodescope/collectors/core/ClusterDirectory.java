package dev.nodescope.collectors.core;

import java.util.Optional;

/**
 * Lookups beyond this node, for attributing traffic to its peers: Services by ClusterIP, remote
 * pods and nodes by IP, and each node's zone. Kept light (EndpointSlices and nodes, never every pod
 * of the cluster) so that it scales to thousands of nodes; empty without Kubernetes access.
 */
public interface ClusterDirectory {
  /** Node mode: no API access, so nothing beyond this node is known. */
  ClusterDirectory EMPTY =
      new ClusterDirectory() {
        @Override
        public boolean available() {
          return false;
        }
      };

  /** A Service, named by namespace and name. */
  record ServiceRef(String namespace, String name) {}

  /** A pod anywhere in the cluster, as far as EndpointSlices tell: its node may be unknown. */
  record RemotePod(String namespace, String name, String nodeName) {}

  /**
   * Whether lookups reflect the cluster. When not, an address found nowhere may be a pod or node of
   * the cluster as well as the outside world, so it cannot be called external.
   */
  default boolean available() {
    return true;
  }

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
