package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfMapInfo;
import dev.nodescope.collectors.bpf.BpfRingBuffer;
import dev.nodescope.collectors.testing.Capabilities;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's reading of the per-socket rows, over a real BPF hash map laid out as tcp_rows and
 * written by the test as the program writes it, and closed rows handed over as the program hands
 * them to tcp_closed (the ring buffer itself is read in the tcp collector's kernel tests): what a
 * socket did between two reads, nothing for a row that did not move, a closed socket's last row
 * reported once, and a socket that left the map forgotten.
 */
class SocketTableKernelTest {
  private static final int BUCKETS = TcpMapLayout.BUCKETS;

  /** struct tcp_row as the program writes it, keyed by its cookie. */
  private static final class Row {
    final long cookie;
    final TcpMapLayout.Ends ends;
    final int role;
    boolean closed;
    long retransmitted;
    long rttSumMicros;
    int timeouts;
    int connectMicros;
    int failedConnects;
    final int[] buckets = new int[BUCKETS];

    Row(long cookie, String local, int localPort, String remote, int remotePort, int role)
        throws Exception {
      this.cookie = cookie;
      this.ends =
          new TcpMapLayout.Ends(
              InetAddress.getByName(local), localPort, InetAddress.getByName(remote), remotePort);
      this.role = role;
    }

    byte[] key() {
      return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(cookie).array();
    }

    byte[] value() {
      ByteBuffer b = ByteBuffer.allocate(TcpMapLayout.ROW_SIZE).order(ByteOrder.nativeOrder());
      byte[] local = ends.local().getAddress();
      byte[] remote = ends.remote().getAddress();
      b.put(0, local).put(16, remote);
      b.putShort(32, (short) ends.localPort()).putShort(34, (short) ends.remotePort());
      b.putShort(36, (short) (local.length == 4 ? TcpMapLayout.AF_INET : TcpMapLayout.AF_INET6));
      b.put(38, (byte) role).put(39, (byte) (closed ? TcpMapLayout.ROW_CLOSED : 0));
      b.putLong(40, retransmitted).putLong(48, rttSumMicros);
      int samples = 0;
      for (int i = 0; i < BUCKETS; i++) {
        b.putInt(72 + 4 * i, buckets[i]);
        samples += buckets[i];
      }
      b.putInt(56, samples).putInt(60, timeouts).putInt(64, connectMicros);
      b.putInt(68, failedConnects);
      b.putInt(72 + 4 * BUCKETS, 12_345); // connect_started_us
      return b.array();
    }

    void write(BpfMap map) throws Exception {
      map.update(key(), value(), 0);
    }
  }

  /** struct tcp_closed_row records, as the program hands a closed socket's row over. */
  private static final class Closed implements SocketTable.ClosedRows {
    private final List<byte[]> records = new ArrayList<>();

    /** What the program does at TCP_CLOSE: the row, closed, into the ring; out of the map. */
    void close(Row row, BpfMap map) throws Exception {
      row.closed = true;
      map.delete(row.key());
      records.add(
          ByteBuffer.allocate(Long.BYTES + TcpMapLayout.ROW_SIZE)
              .put(row.key())
              .put(row.value())
              .array());
    }

    @Override
    public int drain(BpfRingBuffer.RecordVisitor visitor) {
      for (byte[] record : records) {
        visitor.record(ByteBuffer.wrap(record).order(ByteOrder.nativeOrder()), 0, record.length);
      }
      int drained = records.size();
      records.clear();
      return drained;
    }
  }

  private static BpfMap rowsMap() throws Exception {
    Capabilities.requireRoot();
    return BpfMap.create(
        BpfMapInfo.TYPE_HASH, "ns_socktable", Long.BYTES, TcpMapLayout.ROW_SIZE, 16_384, 0);
  }

  private static List<Long> buckets(int... indexAndCount) {
    List<Long> buckets = new ArrayList<>(Collections.nCopies(BUCKETS, 0L));
    for (int i = 0; i < indexAndCount.length; i += 2) {
      buckets.set(indexAndCount[i], (long) indexAndCount[i + 1]);
    }
    return buckets;
  }

  @Test
  void aReadReportsWhatEachSocketDidSinceThePreviousOneAndNothingForARowThatDidNotMove()
      throws Exception {
    try (BpfMap map = rowsMap()) {
      SocketTable table = new SocketTable(map, new Closed());
      Row client = new Row(11, "10.0.0.1", 40_000, "10.0.0.2", 80, TcpMapLayout.ROLE_CLIENT);
      client.retransmitted = 3;
      client.timeouts = 1;
      client.connectMicros = 1_500;
      client.buckets[2] = 4;
      client.rttSumMicros = 400;
      client.write(map);
      Row server = new Row(12, "fd00::1", 443, "fd00::2", 50_000, TcpMapLayout.ROLE_SERVER);
      server.write(map);

      // A socket seen for the first time: all it counted; one that counted nothing: no change.
      assertThat(read(table))
          .containsExactly(
              new SocketTable.Change(
                  client.ends, TcpMapLayout.ROLE_CLIENT, 3, 1, 0, buckets(2, 4), 400, 1_500));
      assertThat(table.lastEntries()).isEqualTo(2);

      client.retransmitted = 5;
      client.buckets[2] = 6;
      client.buckets[BUCKETS - 1] = 1;
      client.rttSumMicros = 900;
      client.write(map);
      server.buckets[0] = 1;
      server.rttSumMicros = 30;
      server.write(map);
      // The differences; the connect time was reported once already.
      assertThat(read(table))
          .containsExactlyInAnyOrder(
              new SocketTable.Change(
                  client.ends,
                  TcpMapLayout.ROLE_CLIENT,
                  2,
                  0,
                  0,
                  buckets(2, 2, BUCKETS - 1, 1),
                  500,
                  0),
              new SocketTable.Change(
                  server.ends, TcpMapLayout.ROLE_SERVER, 0, 0, 0, buckets(0, 1), 30, 0));

      assertThat(read(table)).isEmpty();
      assertThat(table.lastEntries()).isEqualTo(2);
      assertThat(table.role(client.ends, -1)).isEqualTo(TcpMapLayout.ROLE_CLIENT);
      assertThat(table.role(server.ends, -1)).isEqualTo(TcpMapLayout.ROLE_SERVER);
      TcpMapLayout.Ends otherPort =
          new TcpMapLayout.Ends(client.ends.local(), 40_001, client.ends.remote(), 80);
      assertThat(table.role(otherPort, -1)).isEqualTo(-1);
    }
  }

  @Test
  void aClosedSocketsLastRowIsReportedOnce() throws Exception {
    try (BpfMap map = rowsMap()) {
      Closed closed = new Closed();
      SocketTable table = new SocketTable(map, closed);
      Row refused = new Row(21, "10.0.0.1", 40_000, "10.0.0.2", 81, TcpMapLayout.ROLE_CLIENT);
      refused.write(map);
      Row done = new Row(22, "10.0.0.1", 40_002, "10.0.0.2", 80, TcpMapLayout.ROLE_CLIENT);
      done.buckets[1] = 3;
      done.rttSumMicros = 150;
      done.write(map);
      assertThat(read(table)).hasSize(1);

      // SYN_SENT -> CLOSE: a failed connect; the other socket closes with one more RTT sample.
      refused.failedConnects = 1;
      closed.close(refused, map);
      done.buckets[1] = 4;
      done.rttSumMicros = 200;
      closed.close(done, map);
      assertThat(read(table))
          .containsExactlyInAnyOrder(
              new SocketTable.Change(
                  refused.ends, TcpMapLayout.ROLE_CLIENT, 0, 0, 1, buckets(), 0, 0),
              new SocketTable.Change(
                  done.ends, TcpMapLayout.ROLE_CLIENT, 0, 0, 0, buckets(1, 1), 50, 0));
      assertThat(table.lastEntries()).isZero();
      assertThat(table.role(done.ends, -1)).isEqualTo(-1);
      assertThat(read(table)).isEmpty();

      // A socket opened and closed between two reads: everything it counted.
      Row brief = new Row(23, "10.0.0.1", 40_004, "10.0.0.2", 80, TcpMapLayout.ROLE_CLIENT);
      brief.connectMicros = 80;
      brief.buckets[0] = 2;
      brief.rttSumMicros = 60;
      closed.close(brief, map);
      assertThat(read(table))
          .containsExactly(
              new SocketTable.Change(
                  brief.ends, TcpMapLayout.ROLE_CLIENT, 0, 0, 0, buckets(0, 2), 60, 80));
    }
  }

  @Test
  void aSocketThatClosesAfterTheWalkReadItIsReportedOnceWithWhatItDidSince() throws Exception {
    try (BpfMap map = rowsMap()) {
      Closed closed = new Closed();
      Row row = new Row(41, "10.0.0.1", 40_000, "10.0.0.2", 80, TcpMapLayout.ROLE_CLIENT);
      row.retransmitted = 2;
      row.write(map);
      SocketTable table =
          new SocketTable(
              map,
              visitor -> {
                try {
                  // the socket retransmits once more and closes after the walk found it open
                  row.retransmitted = 3;
                  closed.close(row, map);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                return closed.drain(visitor);
              });
      assertThat(read(table))
          .containsExactly(
              new SocketTable.Change(row.ends, TcpMapLayout.ROLE_CLIENT, 2, 0, 0, buckets(), 0, 0),
              new SocketTable.Change(row.ends, TcpMapLayout.ROLE_CLIENT, 1, 0, 0, buckets(), 0, 0));
    }
  }

  @Test
  void aSocketThatLeftTheMapIsForgotten() throws Exception {
    try (BpfMap map = rowsMap()) {
      SocketTable table = new SocketTable(map, new Closed());
      Row row = new Row(31, "10.0.0.1", 40_000, "10.0.0.2", 80, TcpMapLayout.ROLE_CLIENT);
      row.retransmitted = 4;
      row.write(map);
      assertThat(read(table)).hasSize(1);

      map.delete(row.key());
      assertThat(read(table)).isEmpty();
      assertThat(table.role(row.ends, -1)).isEqualTo(-1);

      // The same cookie again is a socket not seen before: all it counted.
      row.write(map);
      assertThat(read(table))
          .containsExactly(
              new SocketTable.Change(row.ends, TcpMapLayout.ROLE_CLIENT, 4, 0, 0, buckets(), 0, 0));
    }
  }

  @Test
  void amongThousandsOfRowsOnlyThoseThatMovedChangeAndAnUnchangedRowCostsNoObject()
      throws Exception {
    int sockets = 5_000;
    try (BpfMap map = rowsMap()) {
      SocketTable table = new SocketTable(map, new Closed());
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < sockets; i++) {
        Row row =
            new Row(
                1_000 + i,
                "10.0.0.1",
                10_000 + i,
                "10.0.0.2",
                80,
                i % 2 == 0 ? TcpMapLayout.ROLE_CLIENT : TcpMapLayout.ROLE_SERVER);
        row.retransmitted = 1;
        row.write(map);
        rows.add(row);
      }
      assertThat(read(table)).hasSize(sockets);

      List<SocketTable.Change> expected = new ArrayList<>();
      for (int i = 0; i < sockets; i += 7) {
        Row row = rows.get(i);
        row.buckets[3] += 1;
        row.rttSumMicros += 200;
        row.write(map);
        expected.add(new SocketTable.Change(row.ends, row.role, 0, 0, 0, buckets(3, 1), 200, 0));
      }
      assertThat(read(table)).containsExactlyInAnyOrderElementsOf(expected);

      com.sun.management.ThreadMXBean thread =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocatedBefore = thread.getCurrentThreadAllocatedBytes();
      List<SocketTable.Change> unchanged = read(table);
      long allocated = thread.getCurrentThreadAllocatedBytes() - allocatedBefore;
      assertThat(unchanged).isEmpty();
      assertThat(allocated)
          .as("bytes allocated by a read of %d unchanged rows", sockets)
          .isLessThan(sockets * 16L);
      for (int i = 0; i < sockets; i += 499) {
        assertThat(table.role(rows.get(i).ends, -1))
            .as("role of row %d", i)
            .isEqualTo(rows.get(i).role);
      }

      // Most sockets leave: the table is made smaller, and what stays is still known.
      List<byte[]> gone = new ArrayList<>();
      for (int i = 100; i < sockets; i++) {
        gone.add(rows.get(i).key());
      }
      map.deleteAll(gone);
      assertThat(read(table)).isEmpty();
      assertThat(read(table)).isEmpty();
      Row stays = rows.get(42);
      stays.timeouts = 2;
      stays.write(map);
      assertThat(read(table))
          .containsExactly(
              new SocketTable.Change(stays.ends, stays.role, 0, 2, 0, buckets(), 0, 0));
      assertThat(table.lastEntries()).isEqualTo(100);
      assertThat(table.role(stays.ends, -1)).isEqualTo(stays.role);
    }
  }

  /** The changes of one read, in the order the walk found them. */
  private static List<SocketTable.Change> read(SocketTable table) throws Exception {
    List<SocketTable.Change> changes = new ArrayList<>();
    table.read(changes::add);
    return changes;
  }
}
