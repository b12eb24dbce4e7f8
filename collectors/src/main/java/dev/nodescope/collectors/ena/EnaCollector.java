package dev.nodescope.collectors.ena;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the allowance statistics of every interface whose driver is ENA. The driver comes from the
 * interface's {@code device/driver} link in sysfs, so virtual interfaces (a pod's veth, bridges,
 * lo) and other NICs cost no ioctl. Statistics a driver version lacks are left out, without
 * complaint.
 */
final class EnaCollector implements Collector {
  private static final Map<String, MetricDescriptor> STATS =
      Map.of(
          "bw_in_allowance_exceeded", EnaMetrics.BW_IN,
          "bw_out_allowance_exceeded", EnaMetrics.BW_OUT,
          "pps_allowance_exceeded", EnaMetrics.PPS,
          "conntrack_allowance_exceeded", EnaMetrics.CONNTRACK,
          "linklocal_allowance_exceeded", EnaMetrics.LINKLOCAL,
          "conntrack_allowance_available", EnaMetrics.CONNTRACK_AVAILABLE);

  private final RootPaths paths;
  private final Ethtool ethtool;
  private final String driver;

  /** driver: the driver name to read (ena; tests name another to read a NIC of their own). */
  EnaCollector(RootPaths paths, Ethtool ethtool, String driver) {
    this.paths = paths;
    this.ethtool = ethtool;
    this.driver = driver;
  }

  @Override
  public void collect(SnapshotBuilder out) throws IOException {
    for (String iface : interfaces(paths, driver)) {
      try {
        ethtool
            .stats(iface)
            .forEach(
                (name, value) -> {
                  MetricDescriptor descriptor = STATS.get(name);
                  if (descriptor != null) {
                    out.add(descriptor, value, iface);
                  }
                });
      } catch (IOException e) {
        out.partialFailure("ethtool statistics of " + iface + ": " + e.getMessage());
      }
    }
  }

  /**
   * Interfaces under {@code <sysfs>/class/net} driven by the driver, in name order; none without
   * sysfs.
   */
  static List<String> interfaces(RootPaths paths, String driver) throws IOException {
    List<String> found = new ArrayList<>();
    if (!Files.isDirectory(paths.sys("class/net"))) {
      return found;
    }
    try (DirectoryStream<Path> all = Files.newDirectoryStream(paths.sys("class/net"))) {
      for (Path iface : all) {
        Path link = iface.resolve("device/driver");
        if (Files.isSymbolicLink(link)
            && Files.readSymbolicLink(link).getFileName().toString().equals(driver)) {
          found.add(iface.getFileName().toString());
        }
      }
    }
    found.sort(null);
    return found;
  }

  @Override
  public void close() {
    ethtool.close();
  }
}
