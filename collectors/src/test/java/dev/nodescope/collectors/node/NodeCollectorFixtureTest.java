package dev.nodescope.collectors.node;

import static dev.nodescope.collectors.node.NodeMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeCollectorFixtureTest {
  @Test
  void matchesGoldenOutput() throws IOException {
    NodeFixture.Run run = NodeFixture.collect(NodeFixture.fresh());

    assertThat(run.partialFailures()).isEmpty();
    Golden.assertMatches(Golden.render(run.snapshot()), "golden/node-fixture.golden");
  }

  /** The truth is the fixture text itself, decoded here independently of the collector. */
  @Test
  void valuesAreTheProcFilesUnscaledOrInUserHz() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    NodeFixture.Run run = NodeFixture.collect(paths);

    long memTotalKb = meminfo(paths, "MemTotal:");
    long memAvailableKb = meminfo(paths, "MemAvailable:");
    assertThat(run.value(MEMORY_TOTAL)).isEqualTo(memTotalKb * 1024.0);
    assertThat(run.value(MEMORY_AVAILABLE)).isEqualTo(memAvailableKb * 1024.0);
    assertThat(run.value(MEMORY_USED)).isEqualTo((memTotalKb - memAvailableKb) * 1024.0);

    List<String> stat = Files.readAllLines(paths.proc("stat"));
    String[] cpu1 =
        stat.stream()
            .filter(l -> l.startsWith("cpu1 "))
            .findFirst()
            .orElseThrow()
            .split("\\s+", -1);
    assertThat(run.value(CPU_SECONDS, "1", "user")).isEqualTo(Long.parseLong(cpu1[1]) / 100.0);
    assertThat(run.value(CPU_SECONDS, "1", "idle")).isEqualTo(Long.parseLong(cpu1[4]) / 100.0);
    assertThat(run.value(CPU_SECONDS, "1", "steal")).isEqualTo(Long.parseLong(cpu1[8]) / 100.0);
    assertThat(run.value(CPUS))
        .isEqualTo((double) stat.stream().filter(l -> l.matches("cpu\\d+ .*")).count());

    String uptime = Files.readString(paths.proc("uptime")).split(" ", -1)[0];
    assertThat(run.value(UPTIME)).isEqualTo(Double.parseDouble(uptime));
    String[] load = Files.readString(paths.proc("loadavg")).split(" ", -1);
    assertThat(run.value(LOAD15)).isEqualTo(Double.parseDouble(load[2]));

    String eth0 =
        Files.readAllLines(paths.proc("net/dev")).stream()
            .filter(l -> l.trim().startsWith("eth0:"))
            .findFirst()
            .orElseThrow();
    String[] counters = eth0.substring(eth0.indexOf(':') + 1).trim().split("\\s+", -1);
    assertThat(run.value(NETWORK_RECEIVE_BYTES, "eth0")).isEqualTo(Double.parseDouble(counters[0]));
    assertThat(run.value(NETWORK_TRANSMIT_PACKETS, "eth0"))
        .isEqualTo(Double.parseDouble(counters[9]));
  }

  /**
   * Pseudo filesystems, /dev, /sys, per-pod volumes and container rootfs are left out; the last
   * mount wins.
   */
  @Test
  void reportsRealFilesystemsOnce() throws IOException {
    NodeFixture.Run run = NodeFixture.collect(NodeFixture.fresh());

    assertThat(run.snapshot().family(FILESYSTEM_SIZE).samples())
        .extracting(s -> s.labelValues())
        .containsExactlyInAnyOrder(
            List.of("/dev/vda", "/", "ext4"),
            List.of("/dev/nvme1n1", "/var/lib/kubelet", "xfs"),
            List.of("/dev/nvme2n1", "/mnt/model cache", "ext4"),
            List.of("/dev/nvme4n1", "/data", "xfs"));
  }

  @Test
  void refusesToMoveOshiToAnotherRoot() throws IOException {
    RootPaths fixture = NodeFixture.fresh();
    OshiRoot.bind(fixture);
    RootPaths other = new RootPaths(fixture.sysfs(), fixture.sysfs(), fixture.rootfs());

    assertThatThrownBy(() -> new NodeCollectorFactory().create(NodeFixture.context(other)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "OSHI already reads procfs from " + OshiRoot.oshiForm(fixture.procfs()))
        .hasMessageContaining("cannot be moved to " + OshiRoot.oshiForm(fixture.sysfs()));
    // the same root again is fine
    assertThat(new NodeCollectorFactory().create(NodeFixture.context(fixture))).isNotNull();
  }

  private static long meminfo(RootPaths paths, String key) throws IOException {
    return Files.readAllLines(paths.proc("meminfo")).stream()
        .filter(l -> l.startsWith(key))
        .map(l -> Long.parseLong(l.split("\\s+", -1)[1]))
        .findFirst()
        .orElseThrow();
  }
}
