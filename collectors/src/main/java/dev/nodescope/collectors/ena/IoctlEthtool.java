package dev.nodescope.collectors.ena;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS and ETHTOOL_GSTATS through the SIOCETHTOOL ioctl
 * (linux/ethtool.h), on a datagram socket of the calling thread's network namespace: no subprocess,
 * one socket for the collector's life.
 */
final class IoctlEthtool implements Ethtool {
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final long SIOCETHTOOL = 0x8946;
  private static final int ETHTOOL_GSTRINGS = 0x1b;
  private static final int ETHTOOL_GSTATS = 0x1d;
  private static final int ETHTOOL_GSSET_INFO = 0x37;
  private static final int ETH_SS_STATS = 1;
  private static final int ETH_GSTRING_LEN = 32;
  private static final int IFNAMSIZ = 16;

  /** struct ifreq: the name, then a union whose ifr_data points at the ethtool command. */
  private static final int IFREQ_BYTES = 40;

  /**
   * The kernel writes as many strings and values as the driver has at the time of each call,
   * whatever count we asked for; room beyond the count we read keeps a driver that grows its set in
   * between from writing past us.
   */
  private static final int HEADROOM = 64;

  public interface LibC {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int ioctl(int fd, long request, Pointer argument);

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final LibC libc = Holder.LIBC;
  private final Runtime runtime = Runtime.getRuntime(Holder.LIBC);
  private final int fd;

  IoctlEthtool() throws IOException {
    fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException("socket for ethtool: errno " + runtime.getLastError());
    }
  }

  @Override
  public Map<String, Long> stats(String iface) throws IOException {
    int count = statsCount(iface);
    if (count == 0) {
      return Map.of();
    }
    Pointer strings =
        Memory.allocateDirect(runtime, 12 + (count + HEADROOM) * ETH_GSTRING_LEN, true);
    strings.putInt(0, ETHTOOL_GSTRINGS);
    strings.putInt(4, ETH_SS_STATS);
    strings.putInt(8, count);
    ioctl(iface, strings, "ETHTOOL_GSTRINGS");
    Pointer values = Memory.allocateDirect(runtime, 8 + (count + HEADROOM) * 8, true);
    values.putInt(0, ETHTOOL_GSTATS);
    values.putInt(4, count);
    ioctl(iface, values, "ETHTOOL_GSTATS");
    int named = strings.getInt(8);
    if (named != count || values.getInt(4) != count) {
      throw new IOException("the statistics of " + iface + " changed while they were read");
    }
    Map<String, Long> stats = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      stats.put(
          strings.getString(
              12 + (long) i * ETH_GSTRING_LEN, ETH_GSTRING_LEN, StandardCharsets.US_ASCII),
          values.getLongLong(8 + 8L * i));
    }
    return stats;
  }

  private int statsCount(String iface) throws IOException {
    Pointer info = Memory.allocateDirect(runtime, 16 + 4, true);
    info.putInt(0, ETHTOOL_GSSET_INFO);
    info.putLongLong(8, 1L << ETH_SS_STATS);
    ioctl(iface, info, "ETHTOOL_GSSET_INFO");
    // The kernel clears the bits of sets the driver lacks: then it has no statistics at all.
    return (info.getLongLong(8) & (1L << ETH_SS_STATS)) == 0 ? 0 : info.getInt(16);
  }

  private void ioctl(String iface, Pointer command, String what) throws IOException {
    byte[] name = iface.getBytes(StandardCharsets.US_ASCII);
    if (name.length >= IFNAMSIZ) {
      throw new IOException("interface name too long: " + iface);
    }
    Pointer ifreq = Memory.allocateDirect(runtime, IFREQ_BYTES, true);
    ifreq.put(0, name, 0, name.length);
    ifreq.putPointer(IFNAMSIZ, command);
    if (libc.ioctl(fd, SIOCETHTOOL, ifreq) < 0) {
      throw new IOException(what + " on " + iface + ": errno " + runtime.getLastError());
    }
  }

  @Override
  public void close() {
    libc.close(fd);
  }
}
