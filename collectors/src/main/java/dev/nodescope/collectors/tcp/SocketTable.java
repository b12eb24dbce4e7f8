package dev.nodescope.collectors.tcp;

import static dev.nodescope.collectors.tcp.TcpMapLayout.ROW_SIZE;
import static dev.nodescope.collectors.tcp.TcpMapLayout.u32;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfRingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The agent's side of the per-socket rows: each read turns a socket's row into what happened since
 * the previous read. Open sockets' rows are walked in the map; a closed socket's last row comes
 * once from the ring buffer its program copied it into before deleting it from the map.
 *
 * <p>The rows of the last read are kept as the map holds them, bytes in a table keyed by cookie. A
 * read copies each open row into a second table and compares it with the row kept: a row that did
 * not change costs two probes, a comparison and a copy, and no object; only a row that changed is
 * decoded (its ends, its addresses). A closed row is compared with the same socket's row of this
 * walk (it may have closed since), else with the one kept, and not kept itself. Once the read has
 * succeeded the second table becomes the kept one, so the sockets no longer in the map are
 * forgotten, and a read that fails leaves the kept one as it was.
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

  /**
   * Where closed sockets' rows come from: each a cookie followed by the row (struct
   * tcp_closed_row).
   */
  @FunctionalInterface
  interface ClosedRows {
    /** Hands each closed row not handed on before to the visitor; returns how many. */
    int drain(BpfRingBuffer.RecordVisitor visitor);
  }

  private final BpfMap rows;
  private final ClosedRows closedRows;
  private final BpfMap.EntryVisitor openVisitor = this::visitOpen;
  private final BpfRingBuffer.RecordVisitor closedVisitor = this::visitClosed;
  private Rows kept = new Rows();
  private Rows reading = new Rows();
  private Consumer<Change> changes;
  private int lastEntries;

  SocketTable(BpfMap rows, ClosedRows closedRows) {
    this.rows = rows;
    this.closedRows = closedRows;
  }

  /** Rows in the map (open sockets) at the last read. */
  int lastEntries() {
    return lastEntries;
  }

  /**
   * The role of the socket with these ends among the open ones of the last read (for attributing
   * resets), or otherwise when none has them.
   */
  int role(TcpMapLayout.Ends ends, int otherwise) {
    return kept.role(ends, otherwise);
  }

  /**
   * Reads the map, then the closed rows, handing each socket's change since the last read to
   * changes as it is found (a full map's changes are never all held at once).
   */
  void read(Consumer<Change> changes) throws BpfException {
    reading.clear(kept.size());
    this.changes = changes;
    lastEntries = (int) rows.forEach(openVisitor);
    closedRows.drain(closedVisitor);
    Rows read = reading;
    reading = kept;
    kept = read;
  }

  private void visitOpen(ByteBuffer keys, int k, ByteBuffer values, int v) {
    long cookie = keys.getLong(k);
    int added = reading.add(cookie);
    // A walk of a changing map may visit a row twice: the second visit reports what moved since.
    int row = added < 0 ? ~added : added;
    reportSinceLastSeen(cookie, values, v, added < 0 ? row : -1);
    reading.rows.put(row * ROW_SIZE, values, v, ROW_SIZE);
  }

  private void visitClosed(ByteBuffer data, int offset, int length) {
    if (length != Long.BYTES + ROW_SIZE) {
      throw new IllegalStateException(
          "a closed row of "
              + length
              + " bytes where struct tcp_closed_row has "
              + (Long.BYTES + ROW_SIZE));
    }
    long cookie = data.getLong(offset);
    // The walk may have read the socket open just before it closed.
    reportSinceLastSeen(cookie, data, offset + Long.BYTES, reading.find(cookie));
  }

  /**
   * Hands on what the row now at n did since the socket was last seen: in this read's table at
   * rowThisRead (when not -1), else in the kept one, else never.
   */
  private void reportSinceLastSeen(long cookie, ByteBuffer now, int n, int rowThisRead) {
    if (rowThisRead >= 0) {
      report(now, n, reading.rows, rowThisRead * ROW_SIZE);
    } else {
      int before = kept.find(cookie);
      report(now, n, before < 0 ? null : kept.rows, before * ROW_SIZE);
    }
  }

  /** Hands on what the row now at n did since the row was at w (was null: not seen before). */
  private void report(ByteBuffer now, int n, ByteBuffer was, int w) {
    if (was == null || !same(now, n, was, w)) {
      Change change = change(now, n, was, w);
      if (change != null) {
        changes.accept(change);
      }
    }
  }

  /** Whether two rows hold the same bytes (struct tcp_row has __u64 fields: 8 divides its size). */
  private static boolean same(ByteBuffer a, int x, ByteBuffer b, int y) {
    for (int i = 0; i < ROW_SIZE; i += Long.BYTES) {
      if (a.getLong(x + i) != b.getLong(y + i)) {
        return false;
      }
    }
    return true;
  }

  /** What the row now at n did since the row was at w (was null: a row not seen before). */
  private static Change change(ByteBuffer now, int n, ByteBuffer was, int w) {
    long retransmitted = delta64(now, n, was, w, TcpMapLayout.ROW_RETRANSMITTED);
    long timeouts = delta32(now, n, was, w, TcpMapLayout.ROW_TIMEOUTS);
    long failed = delta32(now, n, was, w, TcpMapLayout.ROW_FAILED_CONNECTS);
    long connect =
        was != null && u32(was, w + TcpMapLayout.ROW_CONNECT) != 0
            ? 0
            : u32(now, n + TcpMapLayout.ROW_CONNECT);
    boolean moved = retransmitted != 0 || timeouts != 0 || failed != 0 || connect != 0;
    for (int i = 0; i < TcpMapLayout.BUCKETS && !moved; i++) {
      moved = delta32(now, n, was, w, TcpMapLayout.ROW_RTT_BUCKETS + 4 * i) != 0;
    }
    if (!moved) {
      return null;
    }
    Long[] buckets = new Long[TcpMapLayout.BUCKETS];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = delta32(now, n, was, w, TcpMapLayout.ROW_RTT_BUCKETS + 4 * i);
    }
    return new Change(
        TcpMapLayout.ends(now, n),
        TcpMapLayout.role(now, n),
        retransmitted,
        timeouts,
        failed,
        List.of(buckets),
        delta64(now, n, was, w, TcpMapLayout.ROW_RTT_SUM),
        connect);
  }

  private static long delta64(ByteBuffer now, int n, ByteBuffer was, int w, int field) {
    return now.getLong(n + field) - (was == null ? 0 : was.getLong(w + field));
  }

  private static long delta32(ByteBuffer now, int n, ByteBuffer was, int w, int field) {
    return u32(now, n + field) - (was == null ? 0 : u32(was, w + field));
  }

  /**
   * Rows by socket cookie: their bytes one after the other in one buffer, in the order they were
   * added, found through an open-addressing table (linear probing) of cookies and row numbers. A
   * cookie is never 0 (the kernel counts them from 1), so 0 marks a free slot. Sockets by their
   * ends, for {@link #role}, are indexed on the first such question after a read: chains of rows by
   * the hash of the two ports.
   */
  private static final class Rows {
    /** Slots and rows a table has at least. */
    private static final int MIN_SIZE = 1024;

    private static final long FREE = 0;

    private long[] cookies = new long[MIN_SIZE];
    private int[] rowOf = new int[MIN_SIZE];
    private ByteBuffer rows = rowsFor(MIN_SIZE);
    private int size;
    private int[] chainHeads;
    private int[] chainNext;
    private boolean chained;

    int size() {
      return size;
    }

    /**
     * Empties the table for a read of about expected rows: made for them if it was smaller, or if
     * it was made for many more.
     */
    void clear(int expected) {
      int slots = slotsFor(expected);
      if (cookies.length < slots || cookies.length > 4 * slots) {
        cookies = new long[slots];
        rowOf = new int[slots];
      } else {
        Arrays.fill(cookies, FREE);
      }
      int capacity = rows.capacity() / ROW_SIZE;
      if (capacity < expected || capacity > Math.max(MIN_SIZE, 4 * expected)) {
        rows = rowsFor(Math.max(MIN_SIZE, expected + expected / 8));
      }
      size = 0;
      chained = false;
    }

    /** The number of the socket's row, or -1. */
    int find(long cookie) {
      int at = probe(cookies, cookie);
      return cookies[at] == cookie ? rowOf[at] : -1;
    }

    /** The number of the row added for the cookie, or ~number where the table already has it. */
    int add(long cookie) {
      if ((size + 1) * 4L > cookies.length * 3L) {
        rehash(cookies.length * 2);
      }
      int at = probe(cookies, cookie);
      if (cookies[at] == cookie) {
        return ~rowOf[at];
      }
      if ((size + 1) * ROW_SIZE > rows.capacity()) {
        ByteBuffer more = rowsFor(2 * size);
        more.put(0, rows, 0, size * ROW_SIZE);
        rows = more;
      }
      cookies[at] = cookie;
      rowOf[at] = size;
      return size++;
    }

    int role(TcpMapLayout.Ends ends, int otherwise) {
      if (!chained) {
        chain();
      }
      int mask = chainHeads.length - 1;
      for (int row = chainHeads[portsHash(ends.localPort(), ends.remotePort()) & mask];
          row >= 0;
          row = chainNext[row]) {
        int offset = row * ROW_SIZE;
        if (TcpMapLayout.port(rows, offset + TcpMapLayout.LOCAL_PORT) == ends.localPort()
            && TcpMapLayout.port(rows, offset + TcpMapLayout.REMOTE_PORT) == ends.remotePort()
            && TcpMapLayout.ends(rows, offset).equals(ends)) {
          return TcpMapLayout.role(rows, offset);
        }
      }
      return otherwise;
    }

    /** Links the open sockets' rows into chains by the hash of their ports. */
    private void chain() {
      if (chainHeads == null || chainHeads.length != cookies.length) {
        chainHeads = new int[cookies.length];
      }
      if (chainNext == null || chainNext.length != rows.capacity() / ROW_SIZE) {
        chainNext = new int[rows.capacity() / ROW_SIZE];
      }
      Arrays.fill(chainHeads, -1);
      int mask = chainHeads.length - 1;
      for (int row = 0; row < size; row++) {
        int offset = row * ROW_SIZE;
        if (!TcpMapLayout.closed(rows, offset)) {
          int head =
              portsHash(
                      TcpMapLayout.port(rows, offset + TcpMapLayout.LOCAL_PORT),
                      TcpMapLayout.port(rows, offset + TcpMapLayout.REMOTE_PORT))
                  & mask;
          chainNext[row] = chainHeads[head];
          chainHeads[head] = row;
        }
      }
      chained = true;
    }

    private void rehash(int slots) {
      long[] oldCookies = cookies;
      int[] oldRowOf = rowOf;
      cookies = new long[slots];
      rowOf = new int[slots];
      for (int from = 0; from < oldCookies.length; from++) {
        if (oldCookies[from] != FREE) {
          int to = probe(cookies, oldCookies[from]);
          cookies[to] = oldCookies[from];
          rowOf[to] = oldRowOf[from];
        }
      }
    }

    /** The slot holding cookie, else the free slot where it would go. */
    private static int probe(long[] table, long cookie) {
      int mask = table.length - 1;
      long h = cookie * 0x9E3779B97F4A7C15L;
      int at = (int) (h ^ (h >>> 32)) & mask;
      while (table[at] != FREE && table[at] != cookie) {
        at = (at + 1) & mask;
      }
      return at;
    }

    private static int portsHash(int localPort, int remotePort) {
      int h = ((localPort << 16) | remotePort) * 0x9E3779B9;
      return h ^ (h >>> 16);
    }

    /** The fewest slots (a power of two, at least MIN_SIZE) that hold rows at most 3/4 full. */
    private static int slotsFor(int rows) {
      int slots = MIN_SIZE;
      while (rows * 4L > slots * 3L) {
        slots *= 2;
      }
      return slots;
    }

    private static ByteBuffer rowsFor(int rows) {
      return ByteBuffer.allocate(rows * ROW_SIZE).order(ByteOrder.nativeOrder());
    }
  }
}
