package dev.nodescope.collectors.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * Moves the calling thread (only it: setns is per thread) into a network namespace, so that netlink
 * sockets it opens afterwards see that namespace's conntrack table. Used to point the collector at
 * a namespace in tests and benchmarks.
 */
public final class NetworkNamespace {
  private static final int O_RDONLY_CLOEXEC = 0x80000;
  private static final int CLONE_NEWNET = 0x40000000;

  public interface LibC {
    @SaveError
    int open(@In byte[] path, int flags);

    @SaveError
    int setns(int fd, int nstype);

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private NetworkNamespace() {}

  /** Enters the namespace named by a file such as /var/run/netns/NAME or /proc/PID/ns/net. */
  public static void enterOnCurrentThread(String namespaceFile) throws IOException {
    LibC libc = Holder.LIBC;
    byte[] path = (namespaceFile + "\0").getBytes(StandardCharsets.UTF_8);
    int fd = libc.open(path, O_RDONLY_CLOEXEC);
    if (fd < 0) {
      throw new IOException(
          "open " + namespaceFile + ": errno " + Runtime.getSystemRuntime().getLastError());
    }
    try {
      if (libc.setns(fd, CLONE_NEWNET) < 0) {
        throw new IOException(
            "setns " + namespaceFile + ": errno " + Runtime.getSystemRuntime().getLastError());
      }
    } finally {
      libc.close(fd);
    }
  }
}
