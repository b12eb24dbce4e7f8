package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.attribution.PodName;
import dev.nodescope.collectors.attribution.PodPeer;
import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cumulative TCP health per pod peer, admitted by the admission the flows collector shares (so a
 * pod pair with flow series has TCP series too): a peer once admitted keeps its series until its
 * pod goes, and a peer refused folds into its pod's aggregate, so every exported counter only
 * grows.
 */
final class TcpSeries {
  private static final int BUCKETS = TcpMapLayout.BUCKETS;

  private static final class Totals {
    long retransmittedSegments;
    long timeouts;
    long failedConnects;
    long resetsSent;
    long resetsReceived;
    final long[] rtt = new long[BUCKETS];
    double rttSumSeconds;
    final long[] connect = new long[BUCKETS];
    double connectSumSeconds;
  }

  private final SeriesAdmission admission;
  private final Map<PodPeer, Totals> series = new LinkedHashMap<>();

  TcpSeries(SeriesAdmission admission) {
    this.admission = admission;
  }

  void add(PodPeer peer, SocketTable.Change change) {
    Totals totals = totals(peer);
    totals.retransmittedSegments += change.retransmittedSegments();
    totals.timeouts += change.timeouts();
    totals.failedConnects += change.failedConnects();
    for (int i = 0; i < BUCKETS; i++) {
      totals.rtt[i] += change.rttBuckets().get(i);
    }
    totals.rttSumSeconds += change.rttSumMicros() / 1e6;
    if (change.connectMicros() > 0) {
      totals.connect[bucket(change.connectMicros())] += 1;
      totals.connectSumSeconds += change.connectMicros() / 1e6;
    }
  }

  void addResets(PodPeer peer, boolean sent, long resets) {
    Totals totals = totals(peer);
    if (sent) {
      totals.resetsSent += resets;
    } else {
      totals.resetsReceived += resets;
    }
  }

  /** Drops the series of pods no longer on this node. */
  void retainPods(Set<PodName> pods) {
    series.keySet().removeIf(peer -> !pods.contains(peer.local()));
    admission.retainPods(pods);
  }

  void export(SnapshotBuilder out) {
    for (Map.Entry<PodPeer, Totals> entry : series.entrySet()) {
      List<String> labels = entry.getKey().labelValues();
      Totals totals = entry.getValue();
      out.addHistogram(TcpMetrics.RTT, histogram(totals.rtt, totals.rttSumSeconds), labels);
      out.addHistogram(
          TcpMetrics.CONNECT, histogram(totals.connect, totals.connectSumSeconds), labels);
      out.add(TcpMetrics.RETRANSMITTED, totals.retransmittedSegments, labels);
      out.add(TcpMetrics.TIMEOUTS, totals.timeouts, labels);
      out.add(TcpMetrics.FAILED, totals.failedConnects, labels);
      List<String> sent = new ArrayList<>(labels);
      sent.add("sent");
      out.add(TcpMetrics.RESETS, totals.resetsSent, sent);
      List<String> received = new ArrayList<>(labels);
      received.add("received");
      out.add(TcpMetrics.RESETS, totals.resetsReceived, received);
    }
  }

  /** The peer's series when admitted, else its pod's aggregate. */
  private Totals totals(PodPeer peer) {
    PodPeer key = admission.admit(peer) ? peer : PodPeer.aggregate(peer.local());
    return series.computeIfAbsent(key, k -> new Totals());
  }

  private static Histogram histogram(long[] counts, double sum) {
    return new Histogram(TcpMetrics.BUCKETS_SECONDS, Arrays.stream(counts).boxed().toList(), sum);
  }

  /** The bucket of a duration in µs, as the program picks it. */
  static int bucket(long micros) {
    for (int i = 0; i < TcpMetrics.BUCKETS_SECONDS.size(); i++) {
      if (micros <= Math.round(TcpMetrics.BUCKETS_SECONDS.get(i) * 1e6)) {
        return i;
      }
    }
    return BUCKETS - 1;
  }
}
