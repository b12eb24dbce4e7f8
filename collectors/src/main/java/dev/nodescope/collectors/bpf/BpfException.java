package dev.nodescope.collectors.bpf;

import java.io.IOException;

/** A BPF call failed with an errno; the message names the call, the object and the errno. */
public final class BpfException extends IOException {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int E2BIG = 7;
  public static final int EACCES = 13;
  public static final int ENOTSUP = 95;

  private final int errno;

  public BpfException(String what, int errno) {
    super(what + ": errno " + errno + " (" + name(errno) + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  private static String name(int errno) {
    return switch (errno) {
      case EPERM -> "EPERM: needs CAP_BPF, or the object refuses this access";
      case ENOENT -> "ENOENT: no such object or key";
      case E2BIG -> "E2BIG";
      case EACCES -> "EACCES";
      case EINVAL -> "EINVAL: invalid argument for this kernel or map";
      case ENOSPC -> "ENOSPC";
      case ENOTSUP -> "ENOTSUP: not supported by this kernel or map type";
      default -> "see errno(3)";
    };
  }
}
