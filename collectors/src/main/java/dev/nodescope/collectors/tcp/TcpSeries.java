package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cumulative TCP health per peer series, capped like the flows collector: a series once admitted
 * stays (until its pod goes), and past the cap new peers fold into one series per pod with empty
 * peer labels, so every exported counter only grows.
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

  private final int maxSeries;
  private final Map<List<String>, Totals> series = new LinkedHashMap<>();
  private final Set<List<String>> admitted = new HashSet<>();

  TcpSeries(int maxSeries) {
    this.maxSeries = maxSeries;
  }

  void add(List<String> labels, SocketTable.Change change) {
    Totals totals = totals(labels);
    totals.retransmittedSegments += change.retransmittedSegments();
    totals.timeouts += change.timeouts();
    totals.failedConnects += change.failedConnects();
    for (int i = 0; i < BUCKETS; i++) {
      totals.rtt[i] += change.rttBuckets()[i];
    }
    totals.rttSumSeconds += change.rttSumMicros() / 1e6;
    if (change.connectMicros() > 0) {
      totals.connect[bucket(change.connectMicros())] += 1;
      totals.connectSumSeconds += change.connectMicros() / 1e6;
    }
  }

  void addResets(List<String> labels, boolean sent, long resets) {
    Totals totals = totals(labels);
    if (sent) {
      totals.resetsSent += resets;
    } else {
      totals.resetsReceived += resets;
    }
  }

  /** Drops the series of pods no longer on this node ("namespace/pod"). */
  void retainPods(Set<String> pods) {
    series.keySet().removeIf(labels -> !pods.contains(labels.get(0) + "/" + labels.get(1)));
    admitted.removeIf(labels -> !pods.contains(labels.get(0) + "/" + labels.get(1)));
  }

  void export(SnapshotBuilder out) {
    for (Map.Entry<List<String>, Totals> entry : series.entrySet()) {
      List<String> labels = entry.getKey();
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

  /**
   * The series for these labels: itself when admitted or when there is room (leaving room for one
   * fold-in series per pod), else the pod's fold-in series.
   */
  private Totals totals(List<String> labels) {
    List<String> fold =
        List.of(labels.get(0), labels.get(1), "", "", "", "unknown", "unknown", "", "");
    if (!admitted.contains(labels)) {
      long pods =
          series.keySet().stream().map(l -> l.get(0) + "/" + l.get(1)).distinct().count() + 1;
      if (labels.equals(fold) || admitted.size() + pods < maxSeries) {
        admitted.add(labels);
      } else {
        return series.computeIfAbsent(fold, l -> new Totals());
      }
    }
    return series.computeIfAbsent(labels, l -> new Totals());
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
