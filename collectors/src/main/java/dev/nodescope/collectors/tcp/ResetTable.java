package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's side of the reset counters: each read turns them into resets since the previous read,
 * and deletes the entries that did not move for a whole interval (their connection is most likely
 * gone; a reset counted between that read and the delete is lost).
 */
final class ResetTable {
  /** Resets of one connection in one direction since the previous read. */
  record Change(TcpMapLayout.Ends ends, boolean sent, long resets) {}

  private record Connection(TcpMapLayout.Ends ends, boolean sent) {}

  private final BpfMap resets;
  private Map<TcpMapLayout.ResetKey, Long> previous = new HashMap<>();
  private int lastEntries;

  ResetTable(BpfMap resets) {
    this.resets = resets;
  }

  int lastEntries() {
    return lastEntries;
  }

  List<Change> read() throws BpfException {
    Map<TcpMapLayout.ResetKey, Long> current = new HashMap<>();
    List<TcpMapLayout.ResetKey> idle = new ArrayList<>();
    Map<TcpMapLayout.ResetKey, byte[]> keyBytes = new HashMap<>();
    lastEntries =
        (int)
            resets.forEach(
                (keys, k, values, v) -> {
                  TcpMapLayout.ResetKey decoded = TcpMapLayout.resetKey(keys, k);
                  byte[] bytes = new byte[TcpMapLayout.RESET_KEY_SIZE];
                  keys.get(k, bytes);
                  current.put(decoded, values.getLong(v));
                  keyBytes.put(decoded, bytes);
                });
    Map<Connection, Change> changes = new HashMap<>();
    List<Change> result = new ArrayList<>();
    for (Map.Entry<TcpMapLayout.ResetKey, Long> entry : current.entrySet()) {
      long before = previous.getOrDefault(entry.getKey(), 0L);
      long delta = entry.getValue() - before;
      if (delta == 0) {
        idle.add(entry.getKey());
        continue;
      }
      TcpMapLayout.ResetKey key = entry.getKey();
      Connection connection = new Connection(key.ends(), key.sent());
      Change merged = changes.get(connection);
      changes.put(
          connection,
          new Change(key.ends(), key.sent(), delta + (merged == null ? 0 : merged.resets())));
    }
    resets.deleteAll(idle.stream().map(keyBytes::get).toList());
    idle.forEach(current::remove);
    result.addAll(changes.values());
    previous = current;
    return result;
  }
}
