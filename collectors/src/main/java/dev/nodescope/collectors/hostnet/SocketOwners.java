package dev.nodescope.collectors.hostnet;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which pod of this node holds the local end of a connection when its IP cannot tell: hostNetwork
 * pods share the node's IPs, so only the socket's owning process can say whose traffic it is.
 */
public interface SocketOwners {
  SocketOwners NONE = (pods, protocol, local, localPort, remote, remotePort) -> Optional.empty();

  /**
   * Called before each collection's lookups: sockets known so far may have closed, new ones opened.
   */
  default void startCollection() {}

  /**
   * The hostNetwork pod whose process holds the socket local:localPort talking to
   * remote:remotePort.
   */
  Optional<PodInfo> owner(
      PodDirectory pods,
      int protocol,
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort);

  /** Problems met since the last call, each a partial failure of the collection. */
  default List<String> drainProblems() {
    return List.of();
  }
}
