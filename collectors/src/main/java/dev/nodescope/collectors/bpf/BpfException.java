package dev.nodescope.collectors.bpf;

import java.io.IOException;

/** A libbpf or bpf(2) call that failed, with the kernel's errno (0 when there is none). */
public final class BpfException extends IOException {
  private static final long serialVersionUID = 1L;

  /** EPERM: the process lacks CAP_BPF (and CAP_PERFMON for tracing programs). */
  public static final int EPERM = 1;

  private final int errno;

  public BpfException(String what, int errno) {
    super(errno == 0 ? what : what + ": errno " + errno + errnoName(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  private static String errnoName(int errno) {
    switch (errno) {
      case EPERM:
        return " (EPERM: no CAP_BPF/CAP_PERFMON)";
      case 2:
        return " (ENOENT)";
      case 22:
        return " (EINVAL)";
      case 95:
        return " (EOPNOTSUPP)";
      default:
        return "";
    }
  }
}
