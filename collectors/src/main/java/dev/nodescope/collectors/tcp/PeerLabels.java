package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import java.util.List;
import java.util.Optional;

/**
 * The peer labels of a connection whose local end is a pod of this node ({@link
 * TcpMetrics#PEER_LABELS}): the pod, what is at the remote address (a pod of this node or of
 * another, a Service's ClusterIP, a node, the outside world), the locality, the server port and
 * this end's role.
 */
final class PeerLabels {
  private final String nodeName;

  PeerLabels(String nodeName) {
    this.nodeName = nodeName;
  }

  /** The labels, or empty when the local end is no pod of this node. */
  Optional<List<String>> of(
      TcpMapLayout.Ends ends, String role, PodDirectory pods, ClusterDirectory cluster) {
    Optional<PodInfo> local = pods.byIp(ends.local().getHostAddress());
    if (local.isEmpty()) {
      return Optional.empty();
    }
    String remoteIp = ends.remote().getHostAddress();
    String namespace = "";
    String pod = "";
    String service =
        cluster.serviceByClusterIp(remoteIp).map(s -> s.namespace() + "/" + s.name()).orElse("");
    String kind;
    String locality;
    Optional<PodInfo> sameNode = pods.byIp(remoteIp);
    Optional<ClusterDirectory.RemotePod> remotePod = cluster.podByIp(remoteIp);
    Optional<String> node = cluster.nodeByIp(remoteIp);
    if (sameNode.isPresent()) {
      namespace = sameNode.get().namespace();
      pod = sameNode.get().name();
      kind = "pod";
      locality = "same-node";
    } else if (remotePod.isPresent()) {
      namespace = remotePod.get().namespace();
      pod = remotePod.get().name();
      kind = "pod";
      locality = locality(remotePod.get().nodeName(), cluster);
    } else if (node.isPresent()) {
      kind = "node";
      locality = locality(node.get(), cluster);
    } else if (!service.isEmpty()) {
      kind = "service";
      locality = "unknown";
    } else if (cluster.available()) {
      kind = "external";
      locality = "external";
    } else {
      kind = "unknown";
      locality = "unknown";
    }
    if (!service.isEmpty() && !kind.equals("node")) {
      kind = "service";
    }
    int port = role.equals("client") ? ends.remotePort() : ends.localPort();
    return Optional.of(
        List.of(
            local.get().namespace(),
            local.get().name(),
            namespace,
            pod,
            service,
            kind,
            locality,
            Integer.toString(port),
            role));
  }

  private String locality(String otherNode, ClusterDirectory cluster) {
    if (nodeName.equals(otherNode)) {
      return "same-node";
    }
    Optional<String> mine = cluster.zoneOfNode(nodeName);
    Optional<String> theirs = cluster.zoneOfNode(otherNode);
    if (mine.isEmpty() || theirs.isEmpty()) {
      return "unknown";
    }
    return mine.get().equals(theirs.get()) ? "same-zone" : "cross-zone";
  }
}
