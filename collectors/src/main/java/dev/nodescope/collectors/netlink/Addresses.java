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
