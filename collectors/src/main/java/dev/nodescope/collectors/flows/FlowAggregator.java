package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.conntrack.ConntrackEntry;
import dev.nodescope.collectors.conntrack.ConntrackTuple;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.hostnet.SocketOwners;
import dev.nodescope.collectors.netlink.Addresses;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns conntrack entries into per-pod flow totals that only ever grow. Counters are carried
 * forward per conntrack id: each observation adds only what the connection moved since it was last
 * seen, so a connection seen in many dumps, or last seen in a DESTROY event, is counted exactly
 * once.
 */
public final class FlowAggregator {
  /** One exported flow series (all labels). */
  public record FlowKey(
      String namespace,
      String pod,
      String direction,
      String remoteNamespace,
      String remotePod,
      String remoteService,
      String remoteKind,
      String locality,
      String protocol,
      String port,
      String role) {}

  /** Running totals of one series. */
  public static final class FlowTotals {
    long bytes;
    long packets;
    long connections;
    long active;

    public long bytes() {
      return bytes;
    }

    public long packets() {
      return packets;
    }

    public long connections() {
      return connections;
    }

    public long active() {
      return active;
    }
  }

  private final String nodeName;
  private final SocketOwners hostNetwork;
  private final ConnectionCounters seen = new ConnectionCounters();

  /** Counters seen at the previous observation of the entry at hand (no allocation per entry). */
  private final long[] before = new long[4];

  private final Map<FlowKey, FlowTotals> totals = new HashMap<>();

  public FlowAggregator(String nodeName) {
    this(nodeName, SocketOwners.NONE);
  }

  /**
   * With hostNetwork pods attributed through the sockets that own the node-IP end of their
   * connections.
   */
  public FlowAggregator(String nodeName, SocketOwners hostNetwork) {
    this.nodeName = nodeName;
    this.hostNetwork = hostNetwork;
  }

  /**
   * A table dump, streamed entry by entry: 150,000 decoded entries held at once would weigh ~40 MB
   * of heap.
   */
  public interface Dump {
    void forEach(Consumer<ConntrackEntry> sink) throws IOException;
  }

  /**
   * Adds one collection: every entry of the dump, then the events received until the dump ended
   * (drained after it, so that a connection destroyed while the dump ran is still known when its
   * DESTROY comes). A NEW event for a connection already known is older than what the dump read, so
   * it adds nothing. Connections neither dumped nor in an event for two collections (closed, their
   * DESTROY lost) are forgotten; their counters so far stay counted.
   */
  public void collect(
      Dump dump,
      Supplier<? extends Iterable<ConntrackEntry>> events,
      PodDirectory pods,
      ClusterDirectory cluster)
      throws IOException {
    totals.values().forEach(t -> t.active = 0);
    hostNetwork.startCollection();
    seen.startCollection();
    dump.forEach(e -> observe(e, pods, cluster, 1));
    for (ConntrackEntry e : events.get()) {
      if (e.event() == ConntrackEntry.Event.NEW && seen.contains(e.id())) {
        continue;
      }
      observe(e, pods, cluster, 0);
      if (e.event() == ConntrackEntry.Event.DESTROY) {
        seen.forget(e.id());
      }
    }
    seen.sweep();
    Set<String> livePods = new HashSet<>();
    pods.pods().forEach(p -> livePods.add(p.namespace() + "/" + p.name()));
    totals.keySet().removeIf(k -> !livePods.contains(k.namespace() + "/" + k.pod()));
  }

  public Map<FlowKey, FlowTotals> totals() {
    return totals;
  }

  /**
   * Adds what the connection moved since it was last seen; active is 1 for an entry of the dump.
   */
  private void observe(ConntrackEntry e, PodDirectory pods, ClusterDirectory cluster, long active) {
    long origPackets = Math.max(0, e.originalPackets());
    long origBytes = Math.max(0, e.originalBytes());
    long replyPackets = Math.max(0, e.replyPackets());
    long replyBytes = Math.max(0, e.replyBytes());
    // New includes connections that opened and closed between two collections.
    boolean isNew = seen.observe(e.id(), origPackets, origBytes, replyPackets, replyBytes, before);
    // A counter that went down means the id was reused by a new connection: count it from zero.
    if (origBytes < before[1] || replyBytes < before[3]) {
      java.util.Arrays.fill(before, 0);
    }
    attribute(
        e,
        pods,
        cluster,
        origBytes - before[1],
        origPackets - before[0],
        replyBytes - before[3],
        replyPackets - before[2],
        isNew ? 1 : 0,
        active);
  }

  private void attribute(
      ConntrackEntry e,
      PodDirectory pods,
      ClusterDirectory cluster,
      long origBytes,
      long origPackets,
      long replyBytes,
      long replyPackets,
      long opened,
      long active) {
    ConntrackTuple o = e.original();
    ConntrackTuple r = e.reply() == null ? o : e.reply();
    String protocol = protocolName(o.protocol());
    String clientIp = Addresses.text(o.sourceAddress());
    String serverIp = Addresses.text(r.sourceAddress());
    String addressed = Addresses.text(o.destinationAddress());
    Optional<ClusterDirectory.ServiceRef> service =
        addressed.equals(serverIp) ? Optional.empty() : cluster.serviceByClusterIp(addressed);
    // Each end seen from its own socket: the client's as it sent (original tuple), the server's as
    // it answered.
    Optional<PodInfo> clientPod =
        pods.byIp(clientIp)
            .or(
                () ->
                    hostNetwork.owner(
                        pods,
                        o.protocol(),
                        o.sourceAddress(),
                        o.sourcePort(),
                        o.destinationAddress(),
                        o.destinationPort()));
    Optional<PodInfo> serverPod =
        pods.byIp(serverIp)
            .or(
                () ->
                    hostNetwork.owner(
                        pods,
                        r.protocol(),
                        r.sourceAddress(),
                        r.sourcePort(),
                        r.destinationAddress(),
                        r.destinationPort()));
    clientPod.ifPresent(
        client ->
            add(
                client,
                "client",
                Integer.toString(o.destinationPort()),
                protocol,
                remote(serverIp, serverPod, service, cluster),
                origBytes,
                origPackets,
                replyBytes,
                replyPackets,
                opened,
                active));
    serverPod.ifPresent(
        server ->
            add(
                server,
                "server",
                Integer.toString(r.sourcePort()),
                protocol,
                remote(clientIp, clientPod, Optional.empty(), cluster),
                replyBytes,
                replyPackets,
                origBytes,
                origPackets,
                opened,
                active));
  }

  private record Remote(
      String namespace, String pod, String service, String kind, String locality) {}

  /** The peer at ip; local is the pod of this node at that end, when there is one. */
  private Remote remote(
      String ip,
      Optional<PodInfo> local,
      Optional<ClusterDirectory.ServiceRef> service,
      ClusterDirectory cluster) {
    String svc = service.map(s -> s.namespace() + "/" + s.name()).orElse("");
    if (local.isPresent()) {
      return new Remote(
          local.get().namespace(),
          local.get().name(),
          svc,
          service.isPresent() ? "service" : "pod",
          "same-node");
    }
    Optional<ClusterDirectory.RemotePod> remotePod = cluster.podByIp(ip);
    if (remotePod.isPresent()) {
      return new Remote(
          remotePod.get().namespace(),
          remotePod.get().name(),
          svc,
          service.isPresent() ? "service" : "pod",
          locality(remotePod.get().nodeName(), cluster));
    }
    Optional<String> node = cluster.nodeByIp(ip);
    if (node.isPresent()) {
      return new Remote("", "", svc, "node", locality(node.get(), cluster));
    }
    if (service.isPresent()) {
      return new Remote("", "", svc, "service", "unknown");
    }
    if (!cluster.available()) {
      return new Remote("", "", "", "unknown", "unknown");
    }
    return new Remote("", "", "", "external", "external");
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

  private void add(
      PodInfo pod,
      String role,
      String port,
      String protocol,
      Remote remote,
      long txBytes,
      long txPackets,
      long rxBytes,
      long rxPackets,
      long opened,
      long active) {
    FlowTotals tx = series(pod, "tx", role, port, protocol, remote);
    tx.bytes += txBytes;
    tx.packets += txPackets;
    tx.connections += opened;
    tx.active += active;
    FlowTotals rx = series(pod, "rx", role, port, protocol, remote);
    rx.bytes += rxBytes;
    rx.packets += rxPackets;
  }

  private FlowTotals series(
      PodInfo pod, String direction, String role, String port, String protocol, Remote r) {
    return totals.computeIfAbsent(
        new FlowKey(
            pod.namespace(),
            pod.name(),
            direction,
            r.namespace(),
            r.pod(),
            r.service(),
            r.kind(),
            r.locality(),
            protocol,
            port,
            role),
        k -> new FlowTotals());
  }

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
