package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.core.RootPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conntrack table as text, for nodes where netlink is refused. No events: a connection that
 * opens and closes between two reads is not seen (TCP ones mostly are, since the kernel keeps them
 * two minutes in TIME_WAIT).
 */
final class ProcfsConntrackSource implements ConntrackSource {
  private static final Logger LOG = LoggerFactory.getLogger(ProcfsConntrackSource.class);

  private final Path table;
  private final Path stats;
  private boolean malformedLogged;

  ProcfsConntrackSource(RootPaths paths) {
    this.table = paths.proc("net/nf_conntrack");
    this.stats = paths.proc("net/stat/nf_conntrack");
  }

  @Override
  public String name() {
    return "procfs";
  }

  @Override
  public void dump(Consumer<ConntrackView> sink) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(table)) {
      for (String line; (line = reader.readLine()) != null; ) {
        ConntrackEntry entry = ConntrackProcfsParser.parseLine(line);
        if (entry == null && !malformedLogged) {
          malformedLogged = true;
          LOG.warn(
              "skipping lines of {} that are not conntrack entries (logged once), first: {}",
              table,
              line);
        } else if (entry != null) {
          sink.accept(entry);
        }
      }
    }
  }

  @Override
  public List<ConntrackEntry> drainEvents() {
    return List.of();
  }

  @Override
  public long lostEvents() {
    return 0;
  }

  /**
   * From /proc/net/stat/nf_conntrack; none on kernels built without it (CONFIG_NF_CONNTRACK_PROCFS
   * off).
   */
  @Override
  public List<ConntrackCpuStats> cpuStats() throws IOException {
    try {
      return ConntrackProcfsParser.parseStats(Files.readString(stats));
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  @Override
  public void close() {}
}
