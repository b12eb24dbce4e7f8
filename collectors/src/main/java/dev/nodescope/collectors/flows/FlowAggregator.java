package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.attribution.Attribution;
import dev.nodescope.collectors.attribution.PeerTable;
import dev.nodescope.collectors.attribution.PodName;
import dev.nodescope.collectors.attribution.PodPeer;
import dev.nodescope.collectors.attribution.Remote;
import dev.nodescope.collectors.attribution.Role;
import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.conntrack.ConntrackEntry;
import dev.nodescope.collectors.conntrack.ConntrackView;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.hostnet.SocketOwners;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns conntrack entries into per-pod flow totals that only ever grow. Counters are carried
 * forward per conntrack id: each observation adds only what the connection moved since it was last
 * seen, so a connection seen in many dumps, or last seen in a DESTROY event, is counted exactly
 * once. A peer the series admission refuses adds to its pod's aggregate instead.
 */
public final class FlowAggregator {
  /** Which way the bytes of a flow series went, seen from the local pod. */
  public enum Direction {
    TX("tx"),
    RX("rx");

    private final String label;

    Direction(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** One exported flow series. */
  public record FlowKey(PodPeer peer, Direction direction) {
    /** The flow metrics' label names: the pod peer's, with direction after namespace and pod. */
    public static final List<String> LABELS = withDirection(PodPeer.LABELS, "direction");

    /** Label values in the order of {@link #LABELS}. */
    public List<String> labels() {
      return withDirection(peer.labelValues(), direction.label());
    }

    private static List<String> withDirection(List<String> peerLabels, String direction) {
      List<String> labels = new ArrayList<>(peerLabels);
      labels.add(2, direction);
      return List.copyOf(labels);
    }
  }

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

  /** Both directions of one peer, or of a pod's aggregate. */
  private static final class PeerTotals {
    final FlowTotals tx = new FlowTotals();
    final FlowTotals rx = new FlowTotals();
  }

  private final Attribution attribution;
  private final SeriesAdmission admission;
  private final ConnectionCounters seen = new ConnectionCounters();

  /** Counters seen at the previous observation of the entry at hand (no allocation per entry). */
  private final ConnectionCounters.Counts before = new ConnectionCounters.Counts();

  /** Where the attribution of the entry at hand goes (no allocation per entry). */
  private final Attribution.Sides sides = new Attribution.Sides();

  private final PeerTable<PeerTotals> admitted = new PeerTable<>();
  private final Map<PodName, PeerTotals> folded = new HashMap<>();

  /** Every peer admitted: for tests of attribution and accounting. */
  public FlowAggregator(String nodeName) {
    this(nodeName, SocketOwners.NONE, SeriesAdmission.unlimited());
  }

  /**
   * With hostNetwork pods attributed through the sockets that own the node-IP end of their
   * connections, and peers admitted to series of their own by the given admission.
   */
  public FlowAggregator(String nodeName, SocketOwners hostNetwork, SeriesAdmission admission) {
    this.attribution = new Attribution(nodeName, hostNetwork);
    this.admission = admission;
  }

  /**
   * A table dump, streamed entry by entry: 150,000 decoded entries held at once would weigh ~40 MB
   * of heap. Each entry is read during the sink's call only, so it may be a view that the next
   * entry overwrites.
   */
  public interface Dump {
    void forEach(Consumer<ConntrackView> sink) throws IOException;
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
    admitted.forEach((peer, totals) -> clearActive(totals));
    folded.values().forEach(FlowAggregator::clearActive);
    attribution.startRound(pods, cluster);
    seen.startCollection();
    dump.forEach(e -> observe(e, 1));
    for (ConntrackEntry e : events.get()) {
      if (e.event() == ConntrackEntry.Event.NEW && seen.contains(e.id())) {
        continue;
      }
      observe(e, 0);
      if (e.event() == ConntrackEntry.Event.DESTROY) {
        seen.forget(e.id());
      }
    }
    seen.sweep();
    Set<PodName> livePods = new HashSet<>();
    for (PodInfo pod : pods.pods()) {
      livePods.add(PodName.of(pod));
    }
    admitted.removeIf(peer -> !livePods.contains(peer.local()));
    folded.keySet().retainAll(livePods);
    admission.retainPods(livePods);
  }

  /** Every series to export: admitted peers, then the aggregates of pods with peers refused. */
  public Map<FlowKey, FlowTotals> series() {
    Map<FlowKey, FlowTotals> series = new LinkedHashMap<>();
    admitted.forEach((peer, totals) -> put(series, peer, totals));
    folded.forEach((pod, totals) -> put(series, PodPeer.aggregate(pod), totals));
    return series;
  }

  private static void put(Map<FlowKey, FlowTotals> series, PodPeer peer, PeerTotals totals) {
    series.put(new FlowKey(peer, Direction.TX), totals.tx);
    series.put(new FlowKey(peer, Direction.RX), totals.rx);
  }

  private static void clearActive(PeerTotals totals) {
    totals.tx.active = 0;
  }

  /**
   * Adds what the connection moved since it was last seen; active is 1 for an entry of the dump.
   */
  private void observe(ConntrackView e, long active) {
    long origPackets = Math.max(0, e.originalPackets());
    long origBytes = Math.max(0, e.originalBytes());
    long replyPackets = Math.max(0, e.replyPackets());
    long replyBytes = Math.max(0, e.replyBytes());
    // New includes connections that opened and closed between two collections.
    boolean isNew = seen.observe(e.id(), origPackets, origBytes, replyPackets, replyBytes, before);
    // A counter that went down means the id was reused by a new connection: count it from zero.
    if (origBytes < before.originalBytes || replyBytes < before.replyBytes) {
      before.clear();
    }
    attribution.connection(e.original(), e.reply(), sides);
    long origBytesDelta = origBytes - before.originalBytes;
    long origPacketsDelta = origPackets - before.originalPackets;
    long replyBytesDelta = replyBytes - before.replyBytes;
    long replyPacketsDelta = replyPackets - before.replyPackets;
    long opened = isNew ? 1 : 0;
    if (sides.clientPod() != null) {
      PeerTotals totals =
          totals(
              sides.clientPod(),
              sides.towardServer(),
              sides.protocol(),
              sides.clientPort(),
              Role.CLIENT);
      add(totals.tx, origBytesDelta, origPacketsDelta, opened, active);
      add(totals.rx, replyBytesDelta, replyPacketsDelta, 0, 0);
    }
    if (sides.serverPod() != null) {
      PeerTotals totals =
          totals(
              sides.serverPod(),
              sides.towardClient(),
              sides.protocol(),
              sides.serverPort(),
              Role.SERVER);
      add(totals.tx, replyBytesDelta, replyPacketsDelta, opened, active);
      add(totals.rx, origBytesDelta, origPacketsDelta, 0, 0);
    }
  }

  private static void add(FlowTotals totals, long bytes, long packets, long opened, long active) {
    totals.bytes += bytes;
    totals.packets += packets;
    totals.connections += opened;
    totals.active += active;
  }

  /** The totals of the peer of these parts, or of its pod's aggregate when it is refused. */
  private PeerTotals totals(PodName local, Remote remote, int protocol, int port, Role role) {
    PeerTotals totals = admitted.get(local, remote, protocol, port, role);
    if (totals != null) {
      return totals;
    }
    PodPeer peer = admission.admit(local, remote, protocol, port, role);
    if (peer != null) {
      totals = new PeerTotals();
      admitted.put(peer, totals);
      return totals;
    }
    return folded.computeIfAbsent(local, pod -> new PeerTotals());
  }
}
