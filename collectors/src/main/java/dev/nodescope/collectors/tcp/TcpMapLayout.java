package dev.nodescope.collectors.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Decoders of the tcp_health program's map entries, byte for byte as tcp_health.h lays them out
 * (host byte order, addresses in network order). Pure: bytes in, records and fields out.
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

  /** Offsets in struct tcp_row (the ends and the ports come first, as in struct tcp_reset_key). */
  static final int LOCAL_PORT = 32;

  static final int REMOTE_PORT = 34;
  static final int FAMILY = 36;
  static final int ROW_ROLE = 38;
  static final int ROW_FLAGS = 39;
  static final int ROW_RETRANSMITTED = 40;
  static final int ROW_RTT_SUM = 48;
  static final int ROW_TIMEOUTS = 60;
  static final int ROW_CONNECT = 64;
  static final int ROW_FAILED_CONNECTS = 68;
  static final int ROW_RTT_BUCKETS = 72;

  static final int RESET_KEY_SIZE = 48;

  private TcpMapLayout() {}

  /** The two ends of a connection as this node sees them. */
  record Ends(InetAddress local, int localPort, InetAddress remote, int remotePort) {}

  /** struct tcp_reset_key: resets of one connection in one direction, counted by one CPU. */
  record ResetKey(Ends ends, boolean sent, int cpu) {}

  /** The role (ROLE_*) of the row at offset in buffer. */
  static int role(ByteBuffer buffer, int offset) {
    return buffer.get(offset + ROW_ROLE);
  }

  static boolean closed(ByteBuffer buffer, int offset) {
    return (buffer.get(offset + ROW_FLAGS) & ROW_CLOSED) != 0;
  }

  /** The __u32 at offset in buffer. */
  static long u32(ByteBuffer buffer, int offset) {
    return Integer.toUnsignedLong(buffer.getInt(offset));
  }

  static ResetKey resetKey(ByteBuffer keys, int k) {
    return new ResetKey(ends(keys, k), keys.get(k + 38) == 0, keys.getInt(k + 40));
  }

  /**
   * The fields struct tcp_row and struct tcp_reset_key both begin with: local and remote address,
   * local and remote port, family.
   */
  static Ends ends(ByteBuffer buffer, int offset) {
    int family = Short.toUnsignedInt(buffer.getShort(offset + FAMILY));
    return new Ends(
        address(buffer, offset, family),
        port(buffer, offset + LOCAL_PORT),
        address(buffer, offset + 16, family),
        port(buffer, offset + REMOTE_PORT));
  }

  /** The __u16 port at offset in buffer. */
  static int port(ByteBuffer buffer, int offset) {
    return Short.toUnsignedInt(buffer.getShort(offset));
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
