package dev.nodescope.collectors.attribution;

import dev.nodescope.collectors.conntrack.ConntrackTuple;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.hostnet.SocketOwners;
import dev.nodescope.collectors.netlink.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Connection ends → the pod peers they belong to: which end is a pod of this node (by its IP, or
 * for hostNetwork pods by the socket that owns the node-IP end), what the far end is (a pod here or
 * elsewhere, a node, the outside world, the Service it was addressed through), its locality, the
 * local pod's role and the service port.
 *
 * <p>Lookups run in rounds ({@link #startRound}), one per collection: within a round the
 * directories are read once per distinct triple of addresses (client, addressed, server), so a
 * table of many connections between few addresses costs a hash lookup per connection, not a walk of
 * the pods and the cluster indexes. Not thread-safe: one instance per collector.
 */
public final class Attribution {
  /** The pod peers of one connection: each end that is a pod of this node, else null. */
  public record Ends(PodPeer client, PodPeer server) {}

  private static final Ends NONE = new Ends(null, null);

  private final String nodeName;
  private final SocketOwners hostNetwork;
  private final Map<AddressTriple, Resolved> resolved = new HashMap<>();
  private PodDirectory pods = PodDirectory.EMPTY;
  private ClusterDirectory cluster = ClusterDirectory.EMPTY;
  private Set<String> hostNetworkIps = Set.of();

  public Attribution(String nodeName) {
    this(nodeName, SocketOwners.NONE);
  }

  /**
   * With hostNetwork pods attributed through the sockets that own the node-IP end of their
   * connections.
   */
  public Attribution(String nodeName, SocketOwners hostNetwork) {
    this.nodeName = nodeName;
    this.hostNetwork = hostNetwork;
  }

  /** Starts a round of lookups against the directories as they are now. */
  public void startRound(PodDirectory pods, ClusterDirectory cluster) {
    this.pods = pods;
    this.cluster = cluster;
    resolved.clear();
    // A hostNetwork pod's IPs are the node's: only there can a socket owner tell the pod.
    Set<String> nodeIps = new HashSet<>();
    for (PodInfo pod : pods.pods()) {
      if (pod.hostNetwork()) {
        nodeIps.addAll(pod.ips());
      }
    }
    hostNetworkIps = nodeIps;
    hostNetwork.startCollection();
  }

  /**
   * A connection as conntrack has it: the original direction (client → the address it addressed)
   * and the reply direction (server → client after any NAT; null when unknown, as if untranslated).
   */
  public Ends connection(ConntrackTuple original, ConntrackTuple reply) {
    ConntrackTuple r = reply == null ? original : reply;
    Resolved ends = resolve(original.source(), original.destination(), r.source());
    PodName clientPod = ends.clientPod;
    PodName serverPod = ends.serverPod;
    Remote towardServer = ends.towardServer;
    Remote towardClient = ends.towardClient;
    // Each end seen from its own socket: the client's as it sent (original tuple), the server's as
    // it answered.
    if (clientPod == null && ends.clientOnNodeIp) {
      clientPod = socketOwner(original);
      if (clientPod != null) {
        towardClient = remote(ends.clientIp, clientPod, null);
      }
    }
    if (serverPod == null && ends.serverOnNodeIp) {
      serverPod = socketOwner(r);
      if (serverPod != null) {
        towardServer = remote(ends.serverIp, serverPod, ends.service);
      }
    }
    if (clientPod == null && serverPod == null) {
      return NONE;
    }
    int protocol = original.protocol();
    return new Ends(
        clientPod == null
            ? null
            : new PodPeer(
                clientPod, towardServer, protocol, original.destinationPort(), Role.CLIENT),
        serverPod == null
            ? null
            : new PodPeer(serverPod, towardClient, protocol, r.sourcePort(), Role.SERVER));
  }

  /**
   * A socket's view of its connection: its own end and its peer's, and whether it is the client.
   * The socket cannot see a Service's translation: a client socket that addressed a ClusterIP names
   * the Service's address as its peer, so give such a connection through {@link #connection} with
   * the reply direction from conntrack to get the labels the flows collector gives it.
   */
  public Optional<PodPeer> socket(
      int protocol, byte[] local, int localPort, byte[] remote, int remotePort, boolean client) {
    ConntrackTuple outbound = new ConntrackTuple(local, remote, protocol, localPort, remotePort);
    ConntrackTuple inbound = new ConntrackTuple(remote, local, protocol, remotePort, localPort);
    return Optional.ofNullable(
        client ? connection(outbound, inbound).client() : connection(inbound, outbound).server());
  }

  private PodName socketOwner(ConntrackTuple local) {
    return hostNetwork
        .owner(
            pods,
            local.protocol(),
            local.sourceAddress(),
            local.sourcePort(),
            local.destinationAddress(),
            local.destinationPort())
        .map(PodName::of)
        .orElse(null);
  }

  /** What the addresses of a connection tell, whatever its ports. */
  private static final class Resolved {
    String clientIp;
    String serverIp;
    ClusterDirectory.ServiceRef service;
    PodName clientPod;
    PodName serverPod;
    boolean clientOnNodeIp;
    boolean serverOnNodeIp;
    Remote towardServer;
    Remote towardClient;
  }

  private Resolved resolve(byte[] client, byte[] addressed, byte[] server) {
    AddressTriple key = new AddressTriple(client, addressed, server);
    Resolved known = resolved.get(key);
    if (known != null) {
      return known;
    }
    Resolved ends = new Resolved();
    ends.clientIp = text(client);
    ends.serverIp = text(server);
    String addressedIp = text(addressed);
    ends.service =
        addressedIp.equals(ends.serverIp)
            ? null
            : cluster.serviceByClusterIp(addressedIp).orElse(null);
    ends.clientPod = pods.byIp(ends.clientIp).map(PodName::of).orElse(null);
    ends.serverPod = pods.byIp(ends.serverIp).map(PodName::of).orElse(null);
    ends.clientOnNodeIp = hostNetworkIps.contains(ends.clientIp);
    ends.serverOnNodeIp = hostNetworkIps.contains(ends.serverIp);
    ends.towardServer = remote(ends.serverIp, ends.serverPod, ends.service);
    ends.towardClient = remote(ends.clientIp, ends.clientPod, null);
    resolved.put(key, ends);
    return ends;
  }

  /** The peer at ip; local is the pod of this node at that end, when there is one. */
  private Remote remote(String ip, PodName local, ClusterDirectory.ServiceRef service) {
    String svc = service == null ? "" : service.namespace() + "/" + service.name();
    RemoteKind podKind = service == null ? RemoteKind.POD : RemoteKind.SERVICE;
    if (local != null) {
      return new Remote(local.namespace(), local.name(), svc, podKind, Locality.SAME_NODE);
    }
    Optional<ClusterDirectory.RemotePod> remotePod = cluster.podByIp(ip);
    if (remotePod.isPresent()) {
      return new Remote(
          remotePod.get().namespace(),
          remotePod.get().name(),
          svc,
          podKind,
          locality(remotePod.get().nodeName()));
    }
    Optional<String> node = cluster.nodeByIp(ip);
    if (node.isPresent()) {
      return new Remote("", "", svc, RemoteKind.NODE, locality(node.get()));
    }
    if (service != null) {
      return new Remote("", "", svc, RemoteKind.SERVICE, Locality.UNKNOWN);
    }
    if (!cluster.available()) {
      return new Remote("", "", "", RemoteKind.UNKNOWN, Locality.UNKNOWN);
    }
    return new Remote("", "", "", RemoteKind.EXTERNAL, Locality.EXTERNAL);
  }

  private Locality locality(String otherNode) {
    if (nodeName.equals(otherNode)) {
      return Locality.SAME_NODE;
    }
    Optional<String> mine = cluster.zoneOfNode(nodeName);
    Optional<String> theirs = cluster.zoneOfNode(otherNode);
    if (mine.isEmpty() || theirs.isEmpty()) {
      return Locality.UNKNOWN;
    }
    return mine.get().equals(theirs.get()) ? Locality.SAME_ZONE : Locality.CROSS_ZONE;
  }

  private static String text(byte[] raw) {
    try {
      return Addresses.text(InetAddress.getByAddress(raw));
    } catch (UnknownHostException e) {
      return ""; // only for lengths other than 4/16, which the codecs never produce
    }
  }

  /** The addresses of a connection's ends, compared by content. */
  private static final class AddressTriple {
    private final byte[] client;
    private final byte[] addressed;
    private final byte[] server;
    private final int hash;

    AddressTriple(byte[] client, byte[] addressed, byte[] server) {
      this.client = client;
      this.addressed = addressed;
      this.server = server;
      this.hash =
          31 * (31 * Arrays.hashCode(client) + Arrays.hashCode(addressed))
              + Arrays.hashCode(server);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AddressTriple t
          && hash == t.hash
          && Arrays.equals(client, t.client)
          && Arrays.equals(addressed, t.addressed)
          && Arrays.equals(server, t.server);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
