package dev.nodescope.collectors.attribution;

import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import java.util.HashSet;
import java.util.Set;

/**
 * Which pod peers get series of their own, shared by every collector that labels pod pairs (one
 * instance per agent, found through {@link #of}), so that a pod pair with flow series also has its
 * TCP health series, and a pod that goes away loses both. Admission is sticky: a peer admitted
 * keeps its series until its pod goes, so no value moves between a peer's series and its pod's
 * aggregate. A peer past the cap is refused, and its collector folds it into the pod's aggregate
 * ({@link PodPeer#aggregate}); a refused peer is asked about again later and admitted once there is
 * room.
 *
 * <p>The cap counts series of one flow metric: a peer has two (tx and rx), and each pod with peers
 * keeps room for its two aggregates, so admitted peers and aggregates together stay within it.
 */
public final class SeriesAdmission {
  /**
   * 2,000 per metric: the OTel SDK's own per-instrument default, so nothing is silently folded into
   * its overflow series; at 40 pods per node that is 50 peers-and-ports per pod, and a node stays
   * under ~8,000 flow series.
   */
  public static final Flag<Integer> MAX_SERIES =
      Flag.integer(
              "collector.flows.max-series",
              2000,
              "Cap on series per flow metric, aggregates included; further flows fold into per pod and direction series.")
          .requiring(maxSeries -> maxSeries > 0, "must be positive");

  /** Series of one flow metric per peer, and per pod aggregate: tx and rx. */
  private static final int SERIES_PER_PEER = 2;

  private final long maxSeries;
  private final PeerTable<PodPeer> admitted = new PeerTable<>();
  private final Set<PodName> podsWithPeers = new HashSet<>();

  public SeriesAdmission(int maxSeries) {
    this.maxSeries = maxSeries;
  }

  /** No cap: every peer admitted. */
  public static SeriesAdmission unlimited() {
    return new SeriesAdmission(Integer.MAX_VALUE);
  }

  /** The admission the collectors of this context share, capped by {@link #MAX_SERIES}. */
  public static SeriesAdmission of(CollectorContext context) {
    return context
        .shared()
        .get(SeriesAdmission.class, () -> new SeriesAdmission(context.flags().get(MAX_SERIES)));
  }

  /** Whether the peer has series of its own: admitted before, or now if there is room. */
  public synchronized boolean admit(PodPeer peer) {
    return admit(peer.local(), peer.remote(), peer.protocol(), peer.port(), peer.role(), peer)
        != null;
  }

  /**
   * The peer of these parts when it has series of its own (admitted before, or now if there is
   * room), else null. Makes a PodPeer only for a peer it admits now.
   */
  public synchronized PodPeer admit(
      PodName local, Remote remote, int protocol, int port, Role role) {
    return admit(local, remote, protocol, port, role, null);
  }

  /** As {@link #admit(PodName, Remote, int, int, Role)}, admitting {@code peer} when given. */
  private PodPeer admit(
      PodName local, Remote remote, int protocol, int port, Role role, PodPeer peer) {
    PodPeer known = admitted.get(local, remote, protocol, port, role);
    if (known != null) {
      return known;
    }
    podsWithPeers.add(local);
    long wanted = SERIES_PER_PEER * ((long) admitted.size() + 1 + podsWithPeers.size());
    if (wanted > maxSeries) {
      return null;
    }
    PodPeer admittedNow = peer == null ? new PodPeer(local, remote, protocol, port, role) : peer;
    admitted.put(admittedNow, admittedNow);
    return admittedNow;
  }

  /** Forgets the peers of pods no longer on this node. */
  public synchronized void retainPods(Set<PodName> live) {
    admitted.removeIf(peer -> !live.contains(peer.local()));
    podsWithPeers.retainAll(live);
  }
}
