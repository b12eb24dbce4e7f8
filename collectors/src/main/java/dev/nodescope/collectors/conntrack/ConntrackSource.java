package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.netlink.NetlinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the flows collector reads the conntrack table: ctnetlink (dumps, NEW and DESTROY events,
 * per-CPU statistics) or, only where the kernel refuses netlink, /proc/net/nf_conntrack, which has
 * no events.
 */
public interface ConntrackSource extends AutoCloseable {
  /** "netlink" or "procfs", as nodescope_conntrack_source_info names it. */
  String name();

  /**
   * Streams every entry of the table (IPv4 and IPv6) to the sink, which must not keep what it is
   * given past its call ({@link ConntrackView#toEntry} makes a copy).
   */
  void dump(Consumer<ConntrackView> sink) throws IOException;

  /** Entries from events since the previous call (none without events). */
  List<ConntrackEntry> drainEvents();

  long lostEvents();

  List<ConntrackCpuStats> cpuStats() throws IOException;

  @Override
  void close();

  /**
   * Opens the netlink source in the calling thread's network namespace; a NetlinkException says why
   * it cannot.
   */
  interface NetlinkOpener {
    ConntrackSource open() throws IOException;
  }

  /**
   * Netlink when the kernel allows it; /proc/net/nf_conntrack only when netlink is refused (EPERM:
   * no CAP_NET_ADMIN; EPROTONOSUPPORT: no nfnetlink), said once in the log. Any other failure is
   * not a reason to read a slower, poorer source, so it is thrown.
   */
  static ConntrackSource open(RootPaths paths, NetlinkOpener netlink) throws IOException {
    try {
      return netlink.open();
    } catch (NetlinkException refusal) {
      Path table = paths.proc("net/nf_conntrack");
      if (!refusal.refused()) {
        throw refusal;
      }
      if (!Files.isReadable(table)) {
        throw new IOException(
            refusal.getMessage() + ", and " + table + " is not readable", refusal);
      }
      Logger log = LoggerFactory.getLogger(ConntrackSource.class);
      log.warn(
          "conntrack over netlink refused ({}): reading {} instead; connections that open and close "
              + "between two collections are not counted, and the text is slow on large tables",
          refusal.getMessage(),
          table);
      return new ProcfsConntrackSource(paths);
    }
  }
}
