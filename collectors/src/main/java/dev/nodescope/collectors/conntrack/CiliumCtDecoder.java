package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.Addresses;
import java.nio.ByteBuffer;

/**
 * Decodes entries of Cilium's global conntrack maps from the buffers of a batch read. Pure: no I/O,
 * no state; any bytes decode to an entry (the sizes are checked once, when a map is opened).
 *
 * <p>The key is {@code struct ipv4_ct_tuple} (14 bytes, packed) or {@code ipv6_ct_tuple} (38):
 * {@code daddr, saddr, dport, sport, nexthdr, flags}, addresses and ports in network byte order.
 * Its address names are those of the reply direction while its port names are those of the original
 * direction, so the connection's client is {@code daddr:sport} and its server {@code saddr:dport}
 * (as {@code cilium bpf ct list global} prints them). The flags say whether the entry was made at a
 * local endpoint's egress (OUT, 0) or ingress (IN, 1), and mark related (2) and service (4)
 * entries.
 *
 * <p>The value is {@code struct ct_entry} (56 bytes, {@link CiliumCtLayout}), counters in host byte
 * order, the reverse-NAT index in network byte order.
 */
public final class CiliumCtDecoder {
  public static final int KEY4_BYTES = 14;
  public static final int KEY6_BYTES = 38;
  public static final int VALUE_BYTES = 56;

  public static final int TUPLE_F_IN = 1;
  public static final int TUPLE_F_RELATED = 2;
  public static final int TUPLE_F_SERVICE = 4;

  private static final int RX_PACKETS = 0;
  private static final int RX_BYTES = 8;
  private static final int TX_PACKETS = 16;
  private static final int TX_BYTES = 24;
  private static final int FLAGS = 36;
  private static final int REV_NAT_INDEX = 38;
  private static final int RX_CLOSING = 1;
  private static final int TX_CLOSING = 1 << 1;

  /**
   * A Service frontend a reverse-NAT index stands for: its address (4 or 16 bytes, copied in and
   * out) and port.
   */
  public static final class Frontend {
    private final byte[] address;
    private final int port;

    public Frontend(byte[] address, int port) {
      this.address = address.clone();
      this.port = port;
    }

    public byte[] address() {
      return address.clone();
    }

    public int addressLength() {
      return address.length;
    }

    public int port() {
      return port;
    }
  }

  private CiliumCtDecoder() {}

  /** The address size of a key of this size. */
  static int addressBytes(int keyBytes) {
    return keyBytes == KEY4_BYTES ? 4 : 16;
  }

  public static int flags(ByteBuffer keys, int key, int keyBytes) {
    return keys.get(key + keyBytes - 1) & 0xff;
  }

  public static int protocol(ByteBuffer keys, int key, int keyBytes) {
    return keys.get(key + keyBytes - 2) & 0xff;
  }

  /** Cilium's {@code ct_entry_alive()} is false: a FIN or RST was seen, the entry only lingers. */
  public static boolean closing(ByteBuffer values, int value) {
    return (values.getShort(value + FLAGS) & (RX_CLOSING | TX_CLOSING)) != 0;
  }

  /** The Service's reverse-NAT index (0: none), as a number. */
  public static int revNatIndex(ByteBuffer values, int value) {
    return port(values, value + REV_NAT_INDEX);
  }

  /** Whether any counter of the entry is non-zero (it is never, with accounting off). */
  public static boolean counted(ByteBuffer values, int value) {
    return (values.getLong(value + RX_PACKETS)
            | values.getLong(value + RX_BYTES)
            | values.getLong(value + TX_PACKETS)
            | values.getLong(value + TX_BYTES))
        != 0;
  }

  /**
   * 64-bit FNV-1a of the key's bytes, with the IN flag cleared when {@code ignoreDirection}: the
   * OUT and IN entries a connection between two local endpoints has then share one.
   */
  public static long identity(ByteBuffer keys, int key, int keyBytes, boolean ignoreDirection) {
    long h = 0xcbf29ce484222325L ^ keyBytes;
    for (int i = 0; i < keyBytes; i++) {
      int b = keys.get(key + i) & 0xff;
      if (ignoreDirection && i == keyBytes - 1) {
        b &= ~TUPLE_F_IN;
      }
      h = (h ^ b) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * One entry as the flows collector reads conntrack: the original tuple goes client to server (to
   * the Service frontend instead, when one is given), the reply tuple server to client. Counters
   * come per direction before Cilium 1.16, where OUT entries count the original direction as tx and
   * IN entries as rx; from 1.16 the map holds both directions in one sum, which cannot be told
   * apart, so the counters are -1 (none), as for a netfilter table without accounting. The status
   * holds the entry's Cilium flag bits (closing, node port, proxy redirect and so on).
   */
  public static ConntrackEntry decode(
      ConntrackEntry.Event event,
      ByteBuffer keys,
      int key,
      int keyBytes,
      ByteBuffer values,
      int value,
      CiliumCtLayout layout,
      Frontend frontend) {
    int size = addressBytes(keyBytes);
    byte[] server = new byte[size];
    byte[] client = new byte[size];
    keys.get(key, client);
    keys.get(key + size, server);
    int serverPort = port(keys, key + 2 * size);
    int clientPort = port(keys, key + 2 * size + 2);
    int protocol = protocol(keys, key, keyBytes);
    int flags = flags(keys, key, keyBytes);
    ConntrackTuple original =
        frontend == null || frontend.addressLength() != size
            ? new ConntrackTuple(client, server, protocol, clientPort, serverPort)
            : new ConntrackTuple(client, frontend.address(), protocol, clientPort, frontend.port());
    ConntrackTuple reply = new ConntrackTuple(server, client, protocol, serverPort, clientPort);
    long origPackets = -1;
    long origBytes = -1;
    long replyPackets = -1;
    long replyBytes = -1;
    if (layout == CiliumCtLayout.BEFORE_1_16) {
      boolean in = (flags & TUPLE_F_IN) != 0;
      long rxPackets = unsigned(values.getLong(value + RX_PACKETS));
      long rxBytes = unsigned(values.getLong(value + RX_BYTES));
      long txPackets = unsigned(values.getLong(value + TX_PACKETS));
      long txBytes = unsigned(values.getLong(value + TX_BYTES));
      origPackets = in ? rxPackets : txPackets;
      origBytes = in ? rxBytes : txBytes;
      replyPackets = in ? txPackets : rxPackets;
      replyBytes = in ? txBytes : rxBytes;
    }
    return new ConntrackEntry(
        event,
        size == 4 ? Addresses.AF_INET : Addresses.AF_INET6,
        original,
        reply,
        origPackets,
        origBytes,
        replyPackets,
        replyBytes,
        values.getShort(value + FLAGS) & 0xffff,
        -1,
        0,
        0,
        identity(keys, key, keyBytes, false));
  }

  /** A u64 counter past Long.MAX_VALUE cannot be real (it would take centuries): read as 0. */
  private static long unsigned(long counter) {
    return Math.max(0, counter);
  }

  /** A big-endian u16. */
  private static int port(ByteBuffer buffer, int at) {
    return ((buffer.get(at) & 0xff) << 8) | (buffer.get(at + 1) & 0xff);
  }
}
