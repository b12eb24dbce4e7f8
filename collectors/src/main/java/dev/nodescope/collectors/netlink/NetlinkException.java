package dev.nodescope.collectors.netlink;

import java.io.IOException;

/**
 * A netlink call failed with an errno, from libc or from the kernel's NLMSG_ERROR; kept so callers
 * can tell why.
 */
public final class NetlinkException extends IOException {
  public static final int EPERM = 1;
  public static final int EPROTONOSUPPORT = 93;

  private final int errno;

  public NetlinkException(String what, int errno) {
    super(
        what
            + ": errno "
            + errno
            + (errno == EPERM ? " (EPERM)" : errno == EPROTONOSUPPORT ? " (EPROTONOSUPPORT)" : ""));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  /**
   * The kernel will not serve conntrack over netlink here: no CAP_NET_ADMIN, or no nfnetlink in the
   * kernel.
   */
  public boolean refused() {
    return errno == EPERM || errno == EPROTONOSUPPORT;
  }
}
