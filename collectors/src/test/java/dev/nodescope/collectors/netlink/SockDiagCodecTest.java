package dev.nodescope.collectors.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * inet_diag replies laid out by hand from linux/inet_diag.h, and random or mutated bytes that must
 * not throw.
 */
class SockDiagCodecTest {
  @Test
  void decodesSocketsAndTheEndOfTheDump() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
    message(
        b,
        2,
        new byte[] {(byte) 192, 0, 2, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        8080,
        new byte[] {(byte) 198, 51, 100, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        40000,
        1002);
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 192;
    mapped[14] = 2;
    mapped[15] = 50;
    message(b, 10, mapped, 9090, new byte[16], 0, 1005);
    b.putInt(20)
        .putShort((short) 3)
        .putShort((short) 2)
        .putInt(1)
        .putInt(0)
        .putInt(0); // NLMSG_DONE
    List<LocalSocket> sockets = new ArrayList<>();
    SockDiagCodec.Decoded d = SockDiagCodec.decode(b.array(), b.position(), 6, sockets::add);
    assertThat(d.done()).isTrue();
    assertThat(d.errno()).isZero();
    assertThat(sockets)
        .containsExactly(
            new LocalSocket(
                6,
                InetAddress.getByName("192.0.2.50"),
                8080,
                InetAddress.getByName("198.51.100.9"),
                40000,
                1002),
            new LocalSocket(6, InetAddress.getByName("192.0.2.50"), 9090, null, 0, 1005));
  }

  @Test
  void reportsTheKernelsRefusal() {
    ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
    b.putInt(36)
        .putShort((short) 2)
        .putShort((short) 0)
        .putInt(1)
        .putInt(0)
        .putInt(-13); // NLMSG_ERROR, EACCES
    assertThat(SockDiagCodec.decode(b.array(), 36, 6, s -> {}).errno()).isEqualTo(13);
  }

  @Test
  void randomAndMutatedBytesNeverThrow() {
    Random random = new Random(42);
    ByteBuffer valid = ByteBuffer.allocate(88).order(ByteOrder.nativeOrder());
    message(valid, 2, new byte[16], 1, new byte[16], 2, 3);
    for (int i = 0; i < 20_000; i++) {
      byte[] buf;
      if (i % 2 == 0) {
        buf = new byte[random.nextInt(300)];
        random.nextBytes(buf);
      } else {
        buf = valid.array().clone();
        for (int flips = random.nextInt(6); flips >= 0; flips--) {
          buf[random.nextInt(buf.length)] = (byte) random.nextInt();
        }
      }
      SockDiagCodec.decode(buf, random.nextInt(buf.length + 1), 17, s -> {});
    }
  }

  /**
   * One SOCK_DIAG_BY_FAMILY message: nlmsghdr, then inet_diag_msg with the socket id in network
   * order.
   */
  private static void message(
      ByteBuffer b,
      int family,
      byte[] local,
      int localPort,
      byte[] remote,
      int remotePort,
      long inode) {
    b.putInt(16 + 72).putShort((short) 20).putShort((short) 2).putInt(1).putInt(0);
    b.put((byte) family).put((byte) 1).put((byte) 0).put((byte) 0);
    b.put((byte) (localPort >> 8))
        .put((byte) localPort)
        .put((byte) (remotePort >> 8))
        .put((byte) remotePort);
    b.put(local, 0, 16).put(remote, 0, 16);
    b.putInt(0).putLong(0); // interface, cookie
    b.putInt(0)
        .putInt(0)
        .putInt(0)
        .putInt(0)
        .putInt((int) inode); // expires, rqueue, wqueue, uid, inode
  }
}
