package dev.nodescope.collectors.conntrack;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Keys and values of Cilium's conntrack maps, written the way Cilium's datapath writes them (key:
 * packed, network byte order, addresses reversed; value: host byte order, per layout), for tests
 * that fill real maps.
 */
public final class CiliumCtFixtures {
  public static final int CLOSING = 0b11; // rx_closing | tx_closing

  private CiliumCtFixtures() {}

  /** The key of a connection from client to server (flags: OUT 0, IN 1, SERVICE 4). */
  public static byte[] key(
      String client, int clientPort, String server, int serverPort, int protocol, int flags)
      throws Exception {
    byte[] c = InetAddress.getByName(client).getAddress();
    byte[] s = InetAddress.getByName(server).getAddress();
    ByteBuffer b = ByteBuffer.allocate(2 * c.length + 6).order(ByteOrder.BIG_ENDIAN);
    b.put(c).put(s); // daddr is the client, saddr the server: named for the reply direction
    b.putShort((short) serverPort).putShort((short) clientPort); // dport, sport: original direction
    b.put((byte) protocol).put((byte) flags);
    return b.array();
  }

  /**
   * A value counting the original and reply directions. Before 1.16 an OUT entry counts the
   * original direction as tx and an IN entry as rx; from 1.16 one pair holds their sum.
   */
  public static byte[] value(
      CiliumCtLayout layout,
      boolean in,
      long origPackets,
      long origBytes,
      long replyPackets,
      long replyBytes,
      int entryFlags,
      int revNatIndex) {
    ByteBuffer b = ByteBuffer.allocate(CiliumCtDecoder.VALUE_BYTES).order(ByteOrder.nativeOrder());
    if (layout == CiliumCtLayout.BEFORE_1_16) {
      b.putLong(0, in ? origPackets : replyPackets); // rx_packets
      b.putLong(8, in ? origBytes : replyBytes); // rx_bytes
      b.putLong(16, in ? replyPackets : origPackets); // tx_packets
      b.putLong(24, in ? replyBytes : origBytes); // tx_bytes
    } else {
      b.putLong(8, 3); // backend_id: not a counter
      b.putLong(16, origPackets + replyPackets);
      b.putLong(24, origBytes + replyBytes);
    }
    b.putInt(32, 123_456); // lifetime
    b.putShort(36, (short) (entryFlags | 1 << 4)); // seen_non_syn besides the given flags
    b.put(38, (byte) (revNatIndex >> 8)).put(39, (byte) revNatIndex);
    b.put(42, (byte) 0x12).put(43, (byte) 0x12); // tx/rx_flags_seen
    b.putInt(44, 4242); // src_sec_id
    return b.array();
  }

  /** A reverse-NAT map key: the index, big-endian. */
  public static byte[] revNatKey(int index) {
    return new byte[] {(byte) (index >> 8), (byte) index};
  }

  /** A reverse-NAT map value: the frontend address and big-endian port. */
  public static byte[] revNatValue(String address, int port) throws Exception {
    byte[] a = InetAddress.getByName(address).getAddress();
    return ByteBuffer.allocate(a.length + 2).put(a).putShort((short) port).array();
  }
}
