package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's side of the per-socket rows: each read merges a socket's per-CPU rows, turns them
 * into what happened since the previous read, and deletes the rows of sockets that closed once they
 * have been read. Rows of a closed socket written by a late callback on another CPU are deleted at
 * the next read.
 */
final class SocketTable {
  /** What one socket did between two reads. */
  record Change(
      TcpMapLayout.Ends ends,
      int role,
      long retransmittedSegments,
      long timeouts,
      long failedConnects,
      List<Long> rttBuckets,
      long rttSumMicros,
      long connectMicros) {}

  /** A socket's rows summed over CPUs. */
  private static final class Totals {
    TcpMapLayout.Ends ends;
    int role;
    boolean closed;
    long retransmittedSegments;
    long timeouts;
    long failedConnects;
    long rttSumMicros;
    long connectMicros;
    final long[] rttBuckets = new long[TcpMapLayout.BUCKETS];
    final List<byte[]> keys = new ArrayList<>();

    void add(TcpMapLayout.Row row, byte[] key) {
      if (ends == null || role == 0) {
        ends = row.ends();
      }
      if (row.role() != 0) {
        role = row.role();
      }
      closed |= row.closed();
      retransmittedSegments += row.retransmittedSegments();
      timeouts += row.timeouts();
      failedConnects += row.failedConnects();
      rttSumMicros += row.rttSumMicros();
      connectMicros = Math.max(connectMicros, row.connectMicros());
      for (int i = 0; i < rttBuckets.length; i++) {
        rttBuckets[i] += row.rttBuckets().get(i);
      }
      keys.add(key);
    }
  }

  private final BpfMap rows;
  private Map<Long, Totals> previous = new HashMap<>();
  private Set<Long> closedBefore = new HashSet<>();
  private int lastEntries;

  SocketTable(BpfMap rows) {
    this.rows = rows;
  }

  /** Rows in the map at the last read. */
  int lastEntries() {
    return lastEntries;
  }

  /** Roles of the sockets seen at the last read, by their ends (for attributing resets). */
  Map<TcpMapLayout.Ends, Integer> roles() {
    Map<TcpMapLayout.Ends, Integer> roles = new HashMap<>();
    previous.values().forEach(t -> roles.put(t.ends, t.role));
    return roles;
  }

  List<Change> read() throws BpfException {
    Map<Long, Totals> current = new HashMap<>();
    lastEntries =
        (int)
            rows.forEach(
                (keys, k, values, v) -> {
                  TcpMapLayout.Row row = TcpMapLayout.row(keys, k, values, v);
                  byte[] keyBytes = new byte[TcpMapLayout.ROW_KEY_SIZE];
                  keys.get(k, keyBytes);
                  current.computeIfAbsent(row.cookie(), c -> new Totals()).add(row, keyBytes);
                });
    List<Change> changes = new ArrayList<>();
    Set<Long> closedNow = new HashSet<>();
    for (Map.Entry<Long, Totals> entry : current.entrySet()) {
      Totals now = entry.getValue();
      Totals before = previous.get(entry.getKey());
      Change change = change(now, before);
      if (change != null) {
        changes.add(change);
      }
      if (now.closed || closedBefore.contains(entry.getKey())) {
        for (byte[] key : now.keys) {
          rows.delete(key);
        }
        closedNow.add(entry.getKey());
      }
    }
    current.keySet().removeAll(closedNow);
    previous = current;
    closedBefore = closedNow;
    return changes;
  }

  private static Change change(Totals now, Totals before) {
    long[] buckets = new long[TcpMapLayout.BUCKETS];
    boolean moved = false;
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = now.rttBuckets[i] - (before == null ? 0 : before.rttBuckets[i]);
      moved |= buckets[i] != 0;
    }
    long retransmitted =
        now.retransmittedSegments - (before == null ? 0 : before.retransmittedSegments);
    long timeouts = now.timeouts - (before == null ? 0 : before.timeouts);
    long failed = now.failedConnects - (before == null ? 0 : before.failedConnects);
    long connect = before != null && before.connectMicros != 0 ? 0 : now.connectMicros;
    if (!moved && retransmitted == 0 && timeouts == 0 && failed == 0 && connect == 0) {
      return null;
    }
    return new Change(
        now.ends,
        now.role,
        retransmitted,
        timeouts,
        failed,
        Arrays.stream(buckets).boxed().toList(),
        now.rttSumMicros - (before == null ? 0 : before.rttSumMicros),
        connect);
  }
}
