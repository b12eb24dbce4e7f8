package dev.nodescope.collectors.bpf;

import java.io.IOException;

/** A libbpf or bpf() call that failed, with the errno it gave. */
public final class BpfException extends IOException {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ENOSPC = 28;

  private final int errno;

  public BpfException(String call, int errno) {
    super(call + ": " + describe(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  /** Refused for want of privilege (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN or a lockdown). */
  public boolean permissionDenied() {
    return errno == EPERM || errno == 13;
  }

  private static String describe(int errno) {
    return switch (errno) {
      case EPERM -> "operation not permitted (EPERM)";
      case ENOENT -> "not found (ENOENT)";
      case 7 -> "argument list too long (E2BIG)";
      case 13 -> "permission denied (EACCES)";
      case 22 -> "invalid argument (EINVAL)";
      case ENOSPC -> "no space (ENOSPC)";
      case 95 -> "not supported (EOPNOTSUPP)";
      default -> "errno " + errno;
    };
  }
}
