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
  static final int ROLE_UNKNOWN = 0;
  static final int ROLE_CLIENT = 1;
  static final int ROLE_SERVER = 2;
  static final int ROW_CLOSED = 1;
  static final int BUCKETS = TcpMetrics.BUCKETS_SECONDS.size() + 1;
  static final int ROW_SIZE = 72 + 4 * (BUCKETS + 1);
  static final int RESET_KEY_SIZE = 48;

  private TcpMapLayout() {}

  /** The two ends of a connection as this node sees them. */
  record Ends(InetAddress local, int localPort, InetAddress remote, int remotePort) {}

  /** struct tcp_row and its key, the socket's cookie. */
  record Row(
      long cookie,
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

  static Row row(ByteBuffer keys, int k, ByteBuffer values, int v) {
    long cookie = keys.getLong(k);
    Ends ends = ends(values, v);
    List<Long> buckets = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      buckets.add(Integer.toUnsignedLong(values.getInt(v + 72 + 4 * i)));
    }
    return new Row(
        cookie,
        ends,
        values.get(v + 38),
        (values.get(v + 39) & ROW_CLOSED) != 0,
        values.getLong(v + 40),
        values.getLong(v + 48),
        Integer.toUnsignedLong(values.getInt(v + 56)),
        Integer.toUnsignedLong(values.getInt(v + 60)),
        Integer.toUnsignedLong(values.getInt(v + 64)),
        Integer.toUnsignedLong(values.getInt(v + 68)),
        buckets);
  }

  static ResetKey resetKey(ByteBuffer keys, int k) {
    return new ResetKey(ends(keys, k), keys.get(k + 38) == 0, keys.getInt(k + 40));
  }

  /**
   * The fields struct tcp_row and struct tcp_reset_key both begin with: local and remote address,
   * local and remote port, family.
   */
  private static Ends ends(ByteBuffer buffer, int offset) {
    int family = Short.toUnsignedInt(buffer.getShort(offset + 36));
    return new Ends(
        address(buffer, offset, family),
        Short.toUnsignedInt(buffer.getShort(offset + 32)),
        address(buffer, offset + 16, family),
        Short.toUnsignedInt(buffer.getShort(offset + 34)));
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
