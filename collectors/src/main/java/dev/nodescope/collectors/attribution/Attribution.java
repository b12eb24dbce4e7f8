package dev.nodescope.collectors.attribution;

import dev.nodescope.collectors.conntrack.ConntrackTuple;
import dev.nodescope.collectors.conntrack.TupleView;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.hostnet.SocketOwners;
import dev.nodescope.collectors.netlink.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * table of many connections between few addresses costs a hash lookup and no object per connection,
 * not a walk of the pods and the cluster indexes. Not thread-safe: one instance per collector.
 */
public final class Attribution {
  /** The pod peers of one connection: each end that is a pod of this node, else null. */
  public record Ends(PodPeer client, PodPeer server) {}

  /**
   * The parts of a connection's pod peers, which each {@link #connection(TupleView, TupleView,
   * Sides)} overwrites: a table of connections is attributed without a PodPeer per connection.
   */
  public static final class Sides {
    private PodName clientPod;
    private PodName serverPod;
    private Remote towardServer;
    private Remote towardClient;
    private int protocol;
    private int clientPort;
    private int serverPort;

    /** The client's end when it is a pod of this node, else null. */
    public PodName clientPod() {
      return clientPod;
    }

    /** The server's end when it is a pod of this node, else null. */
    public PodName serverPod() {
      return serverPod;
    }

    /** The far end as the client pod sees it. */
    public Remote towardServer() {
      return towardServer;
    }

    /** The far end as the server pod sees it. */
    public Remote towardClient() {
      return towardClient;
    }

    public int protocol() {
      return protocol;
    }

    /** The port the client addressed: the service port of the client pod's peer. */
    public int clientPort() {
      return clientPort;
    }

    /** The server's own port: the service port of the server pod's peer. */
    public int serverPort() {
      return serverPort;
    }

    PodPeer clientPeer() {
      return clientPod == null
          ? null
          : new PodPeer(clientPod, towardServer, protocol, clientPort, Role.CLIENT);
    }

    PodPeer serverPeer() {
      return serverPod == null
          ? null
          : new PodPeer(serverPod, towardClient, protocol, serverPort, Role.SERVER);
    }
  }

  private final String nodeName;
  private final SocketOwners hostNetwork;
  private final Map<AddressTriple, Resolved> resolved = new HashMap<>();
  private final AddressTriple probe = new AddressTriple();
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
    Sides sides = new Sides();
    connection(original, reply, sides);
    return new Ends(sides.clientPeer(), sides.serverPeer());
  }

  /**
   * As {@link #connection(ConntrackTuple, ConntrackTuple)}, into {@code sides} rather than into
   * PodPeers, for a table of connections read entry by entry: the tuples are read during the call
   * only, so they may be views that change after it.
   */
  public void connection(TupleView original, TupleView reply, Sides sides) {
    TupleView r = reply == null ? original : reply;
    Resolved ends = resolve(original, r);
    sides.protocol = original.protocol();
    sides.clientPort = original.destinationPort();
    sides.serverPort = r.sourcePort();
    sides.clientPod = ends.clientPod;
    sides.serverPod = ends.serverPod;
    sides.towardServer = ends.towardServer;
    sides.towardClient = ends.towardClient;
    // Each end seen from its own socket: the client's as it sent (original tuple), the server's as
    // it answered.
    if (ends.clientPod == null && ends.clientOnNodeIp) {
      sides.clientPod = socketOwner(original);
      if (sides.clientPod != null) {
        sides.towardClient = remote(ends.clientIp, sides.clientPod, null);
      }
    }
    if (ends.serverPod == null && ends.serverOnNodeIp) {
      sides.serverPod = socketOwner(r);
      if (sides.serverPod != null) {
        sides.towardServer = remote(ends.serverIp, sides.serverPod, ends.service);
      }
    }
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

  private PodName socketOwner(TupleView view) {
    ConntrackTuple local = view.toTuple();
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

  /**
   * The client's address and the one it addressed from the original tuple, the server's from the
   * reply tuple.
   */
  private Resolved resolve(TupleView original, TupleView reply) {
    probe.set(original, reply);
    Resolved known = resolved.get(probe);
    if (known != null) {
      return known;
    }
    Resolved ends = new Resolved();
    ends.clientIp = text(original.addressLength(), original.sourceHigh(), original.sourceLow());
    ends.serverIp = text(reply.addressLength(), reply.sourceHigh(), reply.sourceLow());
    String addressedIp =
        text(original.addressLength(), original.destinationHigh(), original.destinationLow());
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
    resolved.put(probe.copy(), ends);
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

  private static String text(int length, long high, long low) {
    try {
      return Addresses.text(InetAddress.getByAddress(Addresses.bytes(length, high, low)));
    } catch (UnknownHostException e) {
      return ""; // only for lengths other than 4/16, which the codecs never produce
    }
  }

  /**
   * The addresses of a connection's ends, compared by value. Lookups fill one probe instead of
   * making a key per connection; a key kept in the map is a copy.
   */
  private static final class AddressTriple {
    private int lengths;
    private long clientHigh;
    private long clientLow;
    private long addressedHigh;
    private long addressedLow;
    private long serverHigh;
    private long serverLow;
    private int hash;

    void set(TupleView original, TupleView reply) {
      lengths = original.addressLength() << 8 | reply.addressLength();
      clientHigh = original.sourceHigh();
      clientLow = original.sourceLow();
      addressedHigh = original.destinationHigh();
      addressedLow = original.destinationLow();
      serverHigh = reply.sourceHigh();
      serverLow = reply.sourceLow();
      long h = lengths;
      h = h * 31 + clientHigh;
      h = h * 31 + clientLow;
      h = h * 31 + addressedHigh;
      h = h * 31 + addressedLow;
      h = h * 31 + serverHigh;
      h = h * 31 + serverLow;
      hash = Long.hashCode(h * 0x9E3779B97F4A7C15L);
    }

    AddressTriple copy() {
      AddressTriple copy = new AddressTriple();
      copy.lengths = lengths;
      copy.clientHigh = clientHigh;
      copy.clientLow = clientLow;
      copy.addressedHigh = addressedHigh;
      copy.addressedLow = addressedLow;
      copy.serverHigh = serverHigh;
      copy.serverLow = serverLow;
      copy.hash = hash;
      return copy;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AddressTriple t
          && hash == t.hash
          && lengths == t.lengths
          && clientHigh == t.clientHigh
          && clientLow == t.clientLow
          && addressedHigh == t.addressedHigh
          && addressedLow == t.addressedLow
          && serverHigh == t.serverHigh
          && serverLow == t.serverLow;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
