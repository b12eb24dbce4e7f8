package dev.nodescope.collectors.attribution;

import java.util.List;

/**
 * What a series of a pod's traffic with one peer is about: the local pod, the far end, the IP
 * protocol, the service port (the port the client addressed, or the server's own) and the local
 * pod's role. Collectors that label pod pairs (flows, TCP health) key their series by it, so that
 * equal connections get equal labels and one admission decides for all of them.
 */
public record PodPeer(PodName local, Remote remote, int protocol, int port, Role role) {
  /** The protocol or port of an aggregate, which has neither. */
  public static final int NONE = -1;

  /** Label names of {@link #labelValues()}, in that order. */
  public static final List<String> LABELS =
      List.of(
          "namespace",
          "pod",
          "remote_namespace",
          "remote_pod",
          "remote_service",
          "remote_kind",
          "locality",
          "protocol",
          "port",
          "role");

  /** The series a pod's traffic with peers past the series cap folds into. */
  public static PodPeer aggregate(PodName local) {
    return new PodPeer(local, Remote.ANY, NONE, NONE, Role.ANY);
  }

  /** Label values in the order of {@link #LABELS}. */
  public List<String> labelValues() {
    return List.of(
        local.namespace(),
        local.name(),
        remote.namespace(),
        remote.pod(),
        remote.service(),
        remote.kind().label(),
        remote.locality().label(),
        protocol == NONE ? "" : protocolName(protocol),
        port == NONE ? "" : Integer.toString(port),
        role.label());
  }

  /** IANA protocol names for the common numbers (as conntrack -L writes them), else the number. */
  public static String protocolName(int number) {
    return switch (number) {
      case 1 -> "icmp";
      case 6 -> "tcp";
      case 17 -> "udp";
      case 58 -> "ipv6-icmp";
      case 132 -> "sctp";
      case 136 -> "udplite";
      default -> Integer.toString(number);
    };
  }
}
