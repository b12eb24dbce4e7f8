package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's side of the per-socket rows: each read turns a socket's row into what happened since
 * the previous read, and deletes the rows of sockets that closed once they have been read.
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

  private final BpfMap rows;
  private Map<Long, TcpMapLayout.Row> previous = new HashMap<>();
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
    previous.values().forEach(row -> roles.put(row.ends(), row.role()));
    return roles;
  }

  List<Change> read() throws BpfException {
    Map<Long, TcpMapLayout.Row> current = new HashMap<>();
    lastEntries =
        (int)
            rows.forEach(
                (keys, k, values, v) -> {
                  TcpMapLayout.Row row = TcpMapLayout.row(keys, k, values, v);
                  current.put(row.cookie(), row);
                });
    List<Change> changes = new ArrayList<>();
    List<byte[]> closed = new ArrayList<>();
    for (TcpMapLayout.Row now : current.values()) {
      Change change = change(now, previous.get(now.cookie()));
      if (change != null) {
        changes.add(change);
      }
      if (now.closed()) {
        closed.add(
            ByteBuffer.allocate(Long.BYTES)
                .order(ByteOrder.nativeOrder())
                .putLong(0, now.cookie())
                .array());
      }
    }
    rows.deleteAll(closed);
    current.values().removeIf(TcpMapLayout.Row::closed);
    previous = current;
    return changes;
  }

  private static Change change(TcpMapLayout.Row now, TcpMapLayout.Row before) {
    List<Long> buckets = new ArrayList<>(TcpMapLayout.BUCKETS);
    boolean moved = false;
    for (int i = 0; i < TcpMapLayout.BUCKETS; i++) {
      long added = now.rttBuckets().get(i) - (before == null ? 0 : before.rttBuckets().get(i));
      buckets.add(added);
      moved |= added != 0;
    }
    long retransmitted =
        now.retransmittedSegments() - (before == null ? 0 : before.retransmittedSegments());
    long timeouts = now.timeouts() - (before == null ? 0 : before.timeouts());
    long failed = now.failedConnects() - (before == null ? 0 : before.failedConnects());
    long connect = before != null && before.connectMicros() != 0 ? 0 : now.connectMicros();
    if (!moved && retransmitted == 0 && timeouts == 0 && failed == 0 && connect == 0) {
      return null;
    }
    return new Change(
        now.ends(),
        now.role(),
        retransmitted,
        timeouts,
        failed,
        List.copyOf(buckets),
        now.rttSumMicros() - (before == null ? 0 : before.rttSumMicros()),
        connect);
  }
}
