package dev.nodescope.collectors.ena;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestFlags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ENA mapping over a fixture sysfs (interfaces with their driver links) and statistics from
 * fixture {@code ethtool -S} outputs (see resources/ena/README.md: invented values, no ENA NIC
 * here).
 */
class EnaCollectorTest {
  @TempDir Path sys;
  final Map<String, String> statsFiles = new LinkedHashMap<>();
  final List<String> asked = new ArrayList<>();
  final Ethtool fixtureStats =
      iface -> {
        asked.add(iface);
        String file = statsFiles.get(iface);
        if (file == null) {
          throw new IOException("ETHTOOL_GSSET_INFO on " + iface + ": errno 19");
        }
        return parseEthtoolS(file);
      };

  @Test
  void exportsTheAllowanceCountersOfEnaInterfacesOnly() throws Exception {
    nic("eth0", "ena", "ethtool-S-ena.txt");
    nic("eth1", "ixgbe", null);
    virtual("lo");
    virtual("veth1a2b3c");
    Snapshot snapshot = collect("ena");
    assertThat(value(snapshot, EnaMetrics.BW_IN, "eth0")).contains(1184.0);
    assertThat(value(snapshot, EnaMetrics.BW_OUT, "eth0")).contains(37.0);
    assertThat(value(snapshot, EnaMetrics.PPS, "eth0")).contains(9210.0);
    assertThat(value(snapshot, EnaMetrics.CONNTRACK, "eth0")).contains(3.0);
    assertThat(value(snapshot, EnaMetrics.LINKLOCAL, "eth0")).contains(412.0);
    assertThat(value(snapshot, EnaMetrics.CONNTRACK_AVAILABLE, "eth0")).contains(136812.0);
    assertThat(asked).containsExactly("eth0");
  }

  @Test
  void olderDriversWithoutAStatisticLeaveItOut() throws Exception {
    nic("eth0", "ena", "ethtool-S-ena.txt");
    nic("eth1", "ena", "ethtool-S-ena-without-available.txt");
    SnapshotBuilder out = builder();
    new EnaCollector(paths(), fixtureStats, "ena").collect(out);
    Snapshot snapshot = out.build(Clock.systemUTC());
    assertThat(out.partialFailures()).isEmpty();
    assertThat(value(snapshot, EnaMetrics.PPS, "eth1")).contains(5.0);
    assertThat(value(snapshot, EnaMetrics.CONNTRACK_AVAILABLE, "eth1")).isEmpty();
    assertThat(snapshot.family(EnaMetrics.BW_IN).samples()).hasSize(2);
  }

  @Test
  void anInterfaceThatFailsIsReportedAndTheOthersAreKept() throws Exception {
    nic("eth0", "ena", null); // gone between the listing and the ioctl
    nic("eth1", "ena", "ethtool-S-ena.txt");
    SnapshotBuilder out = builder();
    new EnaCollector(paths(), fixtureStats, "ena").collect(out);
    assertThat(out.partialFailures())
        .singleElement()
        .asString()
        .contains("eth0")
        .contains("errno 19");
    assertThat(value(out.build(Clock.systemUTC()), EnaMetrics.PPS, "eth1")).contains(9210.0);
  }

  @Test
  void aNodeWithoutEnaHasNoSource() throws Exception {
    nic("eth0", "virtio_net", null);
    virtual("lo");
    assertThatThrownBy(() -> new EnaCollectorFactory().create(context()))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no network interface driven by ena");
  }

  @Test
  void aMissingSysfsIsNoSourceEither() {
    sys = sys.resolve("absent");
    assertThatThrownBy(() -> new EnaCollectorFactory().create(context()))
        .isInstanceOf(SourceUnavailableException.class);
  }

  /**
   * The driver name is injectable: the same collector reads any driver's NICs, here a veth named as
   * ENA.
   */
  @Test
  void theDriverToReadIsAParameter() throws Exception {
    virtual("lo");
    nic("veth0", "veth", "ethtool-S-ena.txt");
    assertThat(value(collect("veth"), EnaMetrics.BW_IN, "veth0")).contains(1184.0);
    assertThat(value(collect("ena"), EnaMetrics.BW_IN, "veth0")).isEmpty();
  }

  /**
   * This machine's real sysfs, against `ethtool -i` for every interface: ENA found exactly when
   * there is one.
   */
  @Test
  void theHostsInterfacesAreJudgedAsEthtoolJudgesThem() throws Exception {
    Capabilities.requireCommand("ethtool");
    boolean hostHasEna = false;
    try (var interfaces = Files.list(Path.of("/sys/class/net"))) {
      for (Path iface : interfaces.toList()) {
        Process p = new ProcessBuilder("ethtool", "-i", iface.getFileName().toString()).start();
        hostHasEna |=
            new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .anyMatch(l -> l.equals("driver: ena"));
        p.waitFor();
      }
    }
    sys = Path.of("/sys");
    if (hostHasEna) {
      new EnaCollectorFactory().create(context()).close();
    } else {
      assertThatThrownBy(() -> new EnaCollectorFactory().create(context()))
          .isInstanceOf(SourceUnavailableException.class);
    }
  }

  private Snapshot collect(String driver) throws Exception {
    SnapshotBuilder out = builder();
    new EnaCollector(paths(), fixtureStats, driver).collect(out);
    assertThat(out.partialFailures()).isEmpty();
    return out.build(Clock.systemUTC());
  }

  private static SnapshotBuilder builder() {
    return new SnapshotBuilder("ena", new EnaCollectorFactory().descriptors());
  }

  private static Optional<Double> value(
      Snapshot snapshot, MetricDescriptor descriptor, String device) {
    var family = snapshot.family(descriptor);
    return family == null
        ? Optional.empty()
        : family.samples().stream()
            .filter(s -> s.labelValues().equals(List.of(device)))
            .map(s -> s.value())
            .findFirst();
  }

  /**
   * An interface with a device whose driver link ends in the driver's name, as sysfs has it for PCI
   * NICs.
   */
  private void nic(String iface, String driver, String statsFile) throws IOException {
    Path device = Files.createDirectories(sys.resolve("class/net/" + iface + "/device"));
    Files.createSymbolicLink(
        device.resolve("driver"), Path.of("../../../../bus/pci/drivers/" + driver));
    if (statsFile != null) {
      statsFiles.put(iface, statsFile);
    }
  }

  private void virtual(String iface) throws IOException {
    Files.createDirectories(sys.resolve("class/net/" + iface));
  }

  private RootPaths paths() {
    return new RootPaths(sys.resolve("proc"), sys, sys);
  }

  private CollectorContext context() {
    return new CollectorContext(
        paths(),
        "node-a",
        TestFlags.DEFAULTS,
        PodDirectory.EMPTY,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }

  /** `ethtool -S` text: a title line, then "name: value" per statistic, in the driver's order. */
  static Map<String, Long> parseEthtoolS(String resource) throws IOException {
    try (InputStream in = EnaCollectorTest.class.getResourceAsStream("/ena/" + resource)) {
      return parseEthtoolSText(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static Map<String, Long> parseEthtoolSText(String text) {
    Map<String, Long> stats = new LinkedHashMap<>();
    for (String line : text.split("\n", -1)) {
      int colon = line.lastIndexOf(':');
      if (line.startsWith(" ") && colon > 0) {
        stats.put(
            line.substring(0, colon).trim(), Long.parseLong(line.substring(colon + 1).trim()));
      }
    }
    return stats;
  }
}
