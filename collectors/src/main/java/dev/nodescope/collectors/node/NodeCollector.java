package dev.nodescope.collectors.node;

import static dev.nodescope.collectors.node.NodeMetrics.*;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.host.NetDevStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import oshi.hardware.common.platform.linux.LinuxGlobalMemory;
import oshi.util.driver.linux.proc.UpTime;

/**
 * Reads the node's state in independent sections: a section that cannot be read is reported as a
 * partial failure and the others still publish. Memory and uptime come from OSHI's native-free
 * readers (rooted at procfs by {@link OshiRoot}); interfaces and filesystems are read directly
 * because OSHI cannot root them at the path flags.
 */
final class NodeCollector implements Collector {
  /** Only the virtual-memory view uses the page size, and this collector does not read it. */
  private static final long UNUSED_PAGE_SIZE = 4096;

  private final RootPaths paths;
  private final FileSystemUsage fileSystemUsage;
  private final LinuxGlobalMemory memory = new LinuxGlobalMemory(UNUSED_PAGE_SIZE);

  NodeCollector(RootPaths paths, FileSystemUsage fileSystemUsage) {
    this.paths = paths;
    this.fileSystemUsage = fileSystemUsage;
  }

  private interface Section {
    void read(SnapshotBuilder out) throws IOException;
  }

  @Override
  public void collect(SnapshotBuilder out) {
    section(out, "cpu times (stat)", this::readCpu);
    section(out, "memory (meminfo)", this::readMemory);
    section(out, "load average (loadavg)", this::readLoad);
    section(out, "uptime", this::readUptime);
    section(out, "network interfaces (net/dev)", this::readNetwork);
    section(out, "filesystems (mounts)", this::readFilesystems);
  }

  private static void section(SnapshotBuilder out, String what, Section section) {
    try {
      section.read(out);
    } catch (IOException | RuntimeException e) {
      out.partialFailure("cannot read " + what + ": " + e);
    }
  }

  private void readCpu(SnapshotBuilder out) throws IOException {
    ProcStat stat = ProcStat.parse(Files.readString(paths.proc("stat")), out::partialFailure);
    if (stat.cpus().isEmpty()) {
      throw new IOException("no per-CPU lines in " + paths.proc("stat"));
    }
    for (ProcStat.CpuTimes cpu : stat.cpus()) {
      cpu.ticksByMode()
          .forEach(
              (mode, ticks) ->
                  out.add(CPU_SECONDS, ticks / ProcStat.TICKS_PER_SECOND, cpu.cpu(), mode));
    }
    out.add(CPUS, stat.cpus().size());
  }

  /**
   * OSHI answers 0 for a missing or malformed meminfo; no real node has no memory, so 0 means
   * unreadable.
   */
  private void readMemory(SnapshotBuilder out) throws IOException {
    requireReadableFile(paths.proc("meminfo"));
    long total = memory.getTotal();
    long available = memory.getAvailable();
    if (total <= 0 || available < 0 || available > total) {
      throw new IOException(
          "OSHI found no usable MemTotal/MemAvailable in "
              + paths.proc("meminfo")
              + " (total "
              + total
              + ", available "
              + available
              + ")");
    }
    out.add(MEMORY_TOTAL, total);
    out.add(MEMORY_AVAILABLE, available);
    out.add(MEMORY_USED, total - available);
  }

  private void readLoad(SnapshotBuilder out) throws IOException {
    String text = Files.readString(paths.proc("loadavg"));
    String[] fields = text.trim().split("\\s+", -1);
    if (fields.length < 3) {
      throw new IOException("malformed loadavg: " + text.trim());
    }
    double load1 = Double.parseDouble(fields[0]);
    double load5 = Double.parseDouble(fields[1]);
    double load15 = Double.parseDouble(fields[2]);
    out.add(LOAD1, load1);
    out.add(LOAD5, load5);
    out.add(LOAD15, load15);
  }

  /** Likewise OSHI answers 0 for an unreadable uptime, which a running node cannot have. */
  private void readUptime(SnapshotBuilder out) throws IOException {
    requireReadableFile(paths.proc("uptime"));
    double uptime = UpTime.getSystemUptimeSeconds();
    if (!(uptime > 0)) {
      throw new IOException("OSHI found no uptime in " + paths.proc("uptime"));
    }
    out.add(UPTIME, uptime);
  }

  /**
   * Init's view of the network (PID 1 lives in the host's namespace when procfs is the host's), so
   * the agent need not share the host network; {@code net/dev} (the agent's own namespace) when
   * there is no PID 1 to read.
   */
  private void readNetwork(SnapshotBuilder out) throws IOException {
    String text = readFirstPresent(paths.proc("1/net/dev"), paths.proc("net/dev"));
    for (NetDevStats device : NetDevStats.parse(text, out::partialFailure)) {
      String name = device.device();
      out.add(NETWORK_RECEIVE_BYTES, device.receiveBytes(), name);
      out.add(NETWORK_RECEIVE_PACKETS, device.receivePackets(), name);
      out.add(NETWORK_RECEIVE_ERRORS, device.receiveErrors(), name);
      out.add(NETWORK_RECEIVE_DROPS, device.receiveDrops(), name);
      out.add(NETWORK_TRANSMIT_BYTES, device.transmitBytes(), name);
      out.add(NETWORK_TRANSMIT_PACKETS, device.transmitPackets(), name);
      out.add(NETWORK_TRANSMIT_ERRORS, device.transmitErrors(), name);
      out.add(NETWORK_TRANSMIT_DROPS, device.transmitDrops(), name);
    }
  }

  /**
   * Init's mount table is the host's when procfs is; {@code self/mounts} when PID 1 cannot be read.
   */
  private void readFilesystems(SnapshotBuilder out) throws IOException {
    String table = readFirstPresent(paths.proc("1/mounts"), paths.proc("self/mounts"));
    for (Mounts.Mount mount : Mounts.reportable(table, out::partialFailure)) {
      FileSystemUsage.Usage usage;
      try {
        usage = fileSystemUsage.of(paths.root(mount.mountPoint()));
      } catch (NoSuchFileException e) {
        continue; // unmounted since the table was read
      } catch (IOException | RuntimeException e) {
        out.partialFailure("cannot stat filesystem " + mount.mountPoint() + ": " + e);
        continue;
      }
      String[] labels = {mount.device(), mount.mountPoint(), mount.fsType()};
      out.add(FILESYSTEM_SIZE, usage.sizeBytes(), labels);
      out.add(FILESYSTEM_FREE, usage.freeBytes(), labels);
      out.add(FILESYSTEM_AVAIL, usage.availableBytes(), labels);
    }
  }

  /**
   * OSHI logs an error on every failed read, which at one run per interval would flood the log: a
   * file it cannot read becomes our partial failure (logged once) before OSHI is asked.
   */
  private static void requireReadableFile(Path file) throws IOException {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException(file + " is not a readable file");
    }
  }

  private static String readFirstPresent(Path preferred, Path fallback) throws IOException {
    try {
      return Files.readString(preferred);
    } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
      return Files.readString(fallback);
    }
  }
}
