package dev.nodescope.collectors.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoders of the tcp_health program's map entries, byte for byte as tcp_health.h lays them out
 * (host byte order, addresses in network order). Pure: bytes in, records out.
 */
final class TcpMapLayout {
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int ROLE_CLIENT = 1;
  static final int ROLE_SERVER = 2;
  static final int ROW_CLOSED = 1;
  static final int BUCKETS = TcpMetrics.BUCKETS_SECONDS.size() + 1;
  static final int ROW_KEY_SIZE = 16;
  static final int ROW_SIZE = 72 + 4 * (BUCKETS + 1);
  static final int RESET_KEY_SIZE = 48;

  private TcpMapLayout() {}

  /** The two ends of a connection as this node sees them. */
  record Ends(InetAddress local, int localPort, InetAddress remote, int remotePort) {}

  /** struct tcp_row: one socket as one CPU saw it. */
  record Row(
      long cookie,
      int cpu,
      Ends ends,
      int role,
      boolean closed,
      long retransmittedSegments,
      long rttSumMicros,
      long rttCount,
      long timeouts,
      long connectMicros,
      long failedConnects,
      List<Long> rttBuckets) {}

  /** struct tcp_reset_key: resets of one connection in one direction, counted by one CPU. */
  record ResetKey(Ends ends, boolean sent, int cpu) {}

  static Row row(ByteBuffer key, ByteBuffer value) {
    long cookie = key.getLong(0);
    int cpu = key.getInt(8);
    int family = Short.toUnsignedInt(value.getShort(36));
    Ends ends =
        new Ends(
            address(value, 0, family),
            Short.toUnsignedInt(value.getShort(32)),
            address(value, 16, family),
            Short.toUnsignedInt(value.getShort(34)));
    List<Long> buckets = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      buckets.add(Integer.toUnsignedLong(value.getInt(72 + 4 * i)));
    }
    return new Row(
        cookie,
        cpu,
        ends,
        value.get(38),
        (value.get(39) & ROW_CLOSED) != 0,
        value.getLong(40),
        value.getLong(48),
        Integer.toUnsignedLong(value.getInt(56)),
        Integer.toUnsignedLong(value.getInt(60)),
        Integer.toUnsignedLong(value.getInt(64)),
        Integer.toUnsignedLong(value.getInt(68)),
        buckets);
  }

  static ResetKey resetKey(ByteBuffer key) {
    int family = Short.toUnsignedInt(key.getShort(36));
    Ends ends =
        new Ends(
            address(key, 0, family),
            Short.toUnsignedInt(key.getShort(32)),
            address(key, 16, family),
            Short.toUnsignedInt(key.getShort(34)));
    return new ResetKey(ends, key.get(38) == 0, key.getInt(40));
  }

  private static InetAddress address(ByteBuffer buffer, int offset, int family) {
    byte[] bytes = new byte[family == AF_INET6 ? 16 : 4];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = buffer.get(offset + i);
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4 or 16 byte address", e);
    }
  }
}
