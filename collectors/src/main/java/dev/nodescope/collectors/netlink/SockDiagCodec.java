package dev.nodescope.collectors.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * NETLINK_SOCK_DIAG inet_diag messages (linux/inet_diag.h): the dump request for one family and
 * protocol, and the decoding of the replies into sockets. Pure: bytes in, sockets out; malformed
 * messages are skipped, never thrown.
 */
public final class SockDiagCodec {
  private static final int NLMSG_HDRLEN = 16;
  private static final int NLMSG_ERROR = 2;
  private static final int NLMSG_DONE = 3;
  private static final int SOCK_DIAG_BY_FAMILY = 20;
  private static final int NLM_F_REQUEST = 0x1;
  private static final int NLM_F_DUMP = 0x300;

  /**
   * struct inet_diag_req_v2: family, protocol, ext, pad, states, then a 48-byte inet_diag_sockid.
   */
  private static final int REQUEST_LEN = 56;

  /**
   * struct inet_diag_msg: family, state, timer, retrans, sockid (48), expires, rqueue, wqueue, uid,
   * inode.
   */
  private static final int MESSAGE_LEN = 72;

  private static final int ALL_STATES = 0xffffffff;

  /**
   * What one datagram held: done when the dump ended, errno when the kernel refused it (0
   * otherwise).
   */
  public record Decoded(boolean done, int errno, int malformed) {}

  private SockDiagCodec() {}

  public static byte[] dumpRequest(int family, int protocol, int sequence) {
    ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + REQUEST_LEN).order(ByteOrder.nativeOrder());
    b.putInt(NLMSG_HDRLEN + REQUEST_LEN)
        .putShort((short) SOCK_DIAG_BY_FAMILY)
        .putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
        .putInt(sequence)
        .putInt(0);
    b.put((byte) family).put((byte) protocol).put((byte) 0).put((byte) 0).putInt(ALL_STATES);
    return b.array(); // the rest, the socket id to match, stays zero: every socket
  }

  public static Decoded decode(byte[] buf, int length, int protocol, Consumer<LocalSocket> sink) {
    ByteBuffer b =
        ByteBuffer.wrap(buf, 0, Math.min(length, buf.length)).order(ByteOrder.nativeOrder());
    int end = b.limit();
    int pos = 0;
    int malformed = 0;
    while (end - pos >= NLMSG_HDRLEN) {
      int len = b.getInt(pos);
      int type = b.getShort(pos + 4) & 0xffff;
      if (len < NLMSG_HDRLEN || len > end - pos) {
        return new Decoded(false, 0, malformed + 1); // the rest of the datagram cannot be framed
      }
      if (type == NLMSG_DONE) {
        return new Decoded(true, 0, malformed);
      }
      if (type == NLMSG_ERROR) {
        int errno = len >= NLMSG_HDRLEN + 4 ? -b.getInt(pos + NLMSG_HDRLEN) : 0;
        return new Decoded(true, errno == 0 ? -1 : errno, malformed);
      }
      if (type == SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDRLEN + MESSAGE_LEN) {
        LocalSocket socket = socket(b, pos + NLMSG_HDRLEN, protocol);
        if (socket != null) {
          sink.accept(socket);
        } else {
          malformed++;
        }
      } else if (type == SOCK_DIAG_BY_FAMILY) {
        malformed++;
      }
      pos += (len + 3) & ~3;
    }
    return new Decoded(false, 0, malformed);
  }

  private static LocalSocket socket(ByteBuffer b, int at, int protocol) {
    int family = b.get(at) & 0xff;
    int addressLength = family == Addresses.AF_INET ? 4 : family == Addresses.AF_INET6 ? 16 : 0;
    if (addressLength == 0) {
      return null;
    }
    // Ports and addresses are in network order, the rest in the host's.
    int localPort = ((b.get(at + 4) & 0xff) << 8) | (b.get(at + 5) & 0xff);
    int remotePort = ((b.get(at + 6) & 0xff) << 8) | (b.get(at + 7) & 0xff);
    byte[] local = new byte[addressLength];
    byte[] remote = new byte[addressLength];
    b.get(at + 8, local);
    b.get(at + 24, remote);
    long inode = Integer.toUnsignedLong(b.getInt(at + 68));
    return new LocalSocket(
        protocol,
        LocalSocket.address(local),
        localPort,
        LocalSocket.address(remote),
        remotePort,
        inode);
  }
}
