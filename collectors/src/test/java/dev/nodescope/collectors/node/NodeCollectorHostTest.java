package dev.nodescope.collectors.node;

import static dev.nodescope.collectors.node.NodeMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The collector against this machine's /proc, compared with values read here independently.
 * Counters are read before and after the collection, and the collected value must lie between them.
 * Runs in its own JVM (surefire execution "host-procfs") because OSHI's root is fixed per JVM and
 * the fixture tests bind it elsewhere.
 */
@Tag("host-procfs")
class NodeCollectorHostTest {
  @Test
  void matchesThisMachinesProc() throws Exception {
    Path proc = Path.of("/proc");
    Map<String, Long> ticksBefore = cpuTicks(proc);
    Map<String, Long> netBefore = netCounters(proc);
    double uptimeBefore = uptime(proc);

    Collector collector = new NodeCollectorFactory().create(NodeFixture.context(RootPaths.host()));
    SnapshotBuilder builder = new SnapshotBuilder("node", ALL);
    collector.collect(builder);
    NodeFixture.Run run =
        new NodeFixture.Run(builder.build(NodeFixture.CLOCK), builder.partialFailures());

    Map<String, Long> ticksAfter = cpuTicks(proc);
    Map<String, Long> netAfter = netCounters(proc);
    double uptimeAfter = uptime(proc);

    assertThat(run.partialFailures()).isEmpty();
    assertThat(run.value(MEMORY_TOTAL)).isEqualTo(meminfoKb(proc, "MemTotal:") * 1024.0);
    assertThat(run.value(MEMORY_AVAILABLE))
        .isCloseTo(meminfoKb(proc, "MemAvailable:") * 1024.0, within(256e6));
    assertThat(run.value(CPUS))
        .isEqualTo(
            (double)
                ticksBefore.keySet().stream().map(k -> k.split("/", -1)[0]).distinct().count());
    ticksBefore.forEach(
        (key, before) -> {
          String[] cpuMode = key.split("/", -1);
          double jiffies = run.value(CPU_SECONDS, cpuMode[0], cpuMode[1]) * 100;
          assertThat(Math.round(jiffies)).as(key).isBetween(before, ticksAfter.get(key));
        });
    netBefore.forEach(
        (key, before) -> {
          String[] deviceColumn = key.split("/", -1);
          var descriptor =
              deviceColumn[1].equals("0") ? NETWORK_RECEIVE_BYTES : NETWORK_TRANSMIT_PACKETS;
          assertThat((long) run.value(descriptor, deviceColumn[0]))
              .as(key)
              .isBetween(before, netAfter.get(key));
        });
    assertThat(run.value(UPTIME)).isBetween(uptimeBefore, uptimeAfter);
    String[] load = Files.readString(proc.resolve("loadavg")).split(" ", -1);
    assertThat(run.value(LOAD15)).isCloseTo(Double.parseDouble(load[2]), within(0.5));
  }

  /**
   * The root filesystem's size from statfs as coreutils reports it: blocks times fundamental block
   * size.
   */
  @Test
  void rootFilesystemSizeMatchesStat() throws Exception {
    Capabilities.requireCommand("stat");
    Collector collector = new NodeCollectorFactory().create(NodeFixture.context(RootPaths.host()));
    SnapshotBuilder builder = new SnapshotBuilder("node", ALL);
    collector.collect(builder);
    NodeFixture.Run run =
        new NodeFixture.Run(builder.build(NodeFixture.CLOCK), builder.partialFailures());

    Process stat = new ProcessBuilder("stat", "-f", "-c", "%b %S %f %a %T", "/").start();
    assertThat(stat.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String[] fields =
        new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .trim()
            .split(" ", -1);
    long blockSize = Long.parseLong(fields[1]);
    var root =
        run.snapshot().family(FILESYSTEM_SIZE).samples().stream()
            .filter(s -> s.labelValues().get(1).equals("/"))
            .findFirst()
            .orElseThrow();

    assertThat(root.value()).isEqualTo((double) (Long.parseLong(fields[0]) * blockSize));
    double avail = run.value(FILESYSTEM_AVAIL, root.labelValues().toArray(String[]::new));
    assertThat(avail).isCloseTo(Long.parseLong(fields[3]) * (double) blockSize, within(512e6));
  }

  private static Map<String, Long> cpuTicks(Path proc) throws IOException {
    Map<String, Long> ticks = new HashMap<>();
    for (String line : Files.readAllLines(proc.resolve("stat"))) {
      if (line.matches("cpu\\d+ .*")) {
        String[] fields = line.split("\\s+", -1);
        for (int mode = 0; mode < 8; mode++) {
          ticks.put(
              fields[0].substring(3) + "/" + ProcStat.MODES.get(mode),
              Long.parseLong(fields[mode + 1]));
        }
      }
    }
    return ticks;
  }

  /** Receive bytes (column 0) and transmit packets (column 9) of each interface. */
  private static Map<String, Long> netCounters(Path proc) throws IOException {
    Map<String, Long> counters = new HashMap<>();
    List<String> lines = Files.readAllLines(proc.resolve("net/dev"));
    for (String line : lines.subList(2, lines.size())) {
      String device = line.substring(0, line.indexOf(':')).trim();
      String[] fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+", -1);
      counters.put(device + "/0", Long.parseLong(fields[0]));
      counters.put(device + "/9", Long.parseLong(fields[9]));
    }
    return counters;
  }

  private static double uptime(Path proc) throws IOException {
    return Double.parseDouble(Files.readString(proc.resolve("uptime")).split(" ", -1)[0]);
  }

  private static long meminfoKb(Path proc, String key) throws IOException {
    return Files.readAllLines(proc.resolve("meminfo")).stream()
        .filter(l -> l.startsWith(key))
        .map(l -> Long.parseLong(l.split("\\s+", -1)[1]))
        .findFirst()
        .orElseThrow();
  }
}
