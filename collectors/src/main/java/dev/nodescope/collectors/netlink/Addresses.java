package dev.nodescope.collectors.netlink;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/** Address families as the kernel numbers them, and addresses written as Kubernetes writes them. */
public final class Addresses {
  /** In a ctnetlink dump request: every family, in one walk of the table. */
  public static final int AF_UNSPEC = 0;

  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  private Addresses() {}

  /** The first eight bytes of a 16-byte address, big-endian; 0 for a 4-byte one. */
  public static long high(byte[] address) {
    return address.length == 16 ? bigEndian(address, 0, 8) : 0;
  }

  /** The last eight bytes of a 16-byte address, or the four of a 4-byte one, big-endian. */
  public static long low(byte[] address) {
    return address.length == 16
        ? bigEndian(address, 8, 8)
        : bigEndian(address, 0, Math.min(4, address.length));
  }

  /** The address of {@link #high} and {@link #low}, 4 or 16 bytes long. */
  public static byte[] bytes(int length, long high, long low) {
    byte[] address = new byte[length];
    for (int i = 0; i < length; i++) {
      int fromEnd = length - 1 - i;
      address[i] = (byte) (fromEnd >= 8 ? high >>> (8 * (fromEnd - 8)) : low >>> (8 * fromEnd));
    }
    return address;
  }

  private static long bigEndian(byte[] bytes, int from, int count) {
    long value = 0;
    for (int i = from; i < from + count; i++) {
      value = value << 8 | (bytes[i] & 0xff);
    }
    return value;
  }

  /**
   * RFC 5952 text (2001:db8::1), the form Kubernetes uses for pod and service IPs; Java writes
   * every group.
   */
  public static String text(InetAddress address) {
    String full = address.getHostAddress();
    if (!(address instanceof Inet6Address)) {
      return full;
    }
    String[] groups = full.replaceAll("%.*", "").split(":");
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < groups.length; ) {
      int j = i;
      while (j < groups.length && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = Math.max(j, i + 1);
    }
    if (bestStart < 0) {
      return String.join(":", groups);
    }
    return String.join(":", Arrays.copyOfRange(groups, 0, bestStart))
        + "::"
        + String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
  }
}
