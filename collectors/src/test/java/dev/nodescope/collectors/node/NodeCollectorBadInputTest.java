package dev.nodescope.collectors.node;

import static dev.nodescope.collectors.node.NodeMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.RootPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Each bad source costs its own series and one partial failure; everything else is still published.
 */
class NodeCollectorBadInputTest {
  @Test
  void malformedCpuLineDropsThatCpuOnly() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    replace(paths.proc("stat"), "cpu1 ", "cpu1 12x ");

    NodeFixture.Run run = NodeFixture.collect(paths);

    assertThat(run.partialFailures())
        .singleElement()
        .asString()
        .contains("malformed /proc/stat line: cpu1 12x");
    assertThat(run.snapshot().family(CPU_SECONDS).samples())
        .allMatch(s -> s.labelValues().get(0).equals("0"))
        .hasSize(8);
    assertThat(run.value(MEMORY_TOTAL)).isPositive();
  }

  @Test
  void unreadableFilesAreReportedAndTheRestKept() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    // a directory where the file should be: unreadable even for root, unlike chmod 000
    for (String file : new String[] {"meminfo", "loadavg", "uptime"}) {
      Files.delete(paths.proc(file));
      Files.createDirectory(paths.proc(file));
    }

    NodeFixture.Run run = NodeFixture.collect(paths);

    assertThat(run.partialFailures())
        .hasSize(3)
        .anySatisfy(m -> assertThat(m).startsWith("cannot read memory (meminfo)"))
        .anySatisfy(m -> assertThat(m).startsWith("cannot read load average (loadavg)"))
        .anySatisfy(m -> assertThat(m).startsWith("cannot read uptime"));
    assertThat(run.snapshot().families().keySet())
        .doesNotContain(MEMORY_TOTAL.name(), LOAD1.name(), UPTIME.name())
        .contains(CPU_SECONDS.name(), NETWORK_RECEIVE_BYTES.name(), FILESYSTEM_SIZE.name());
  }

  @Test
  void malformedMeminfoIsAFailureNotZeroMemory() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    replace(paths.proc("meminfo"), "MemTotal:", "MemTotl:");

    NodeFixture.Run run = NodeFixture.collect(paths);

    assertThat(run.partialFailures())
        .singleElement()
        .asString()
        .contains("no usable MemTotal/MemAvailable");
    assertThat(run.snapshot().family(MEMORY_TOTAL).samples()).isEmpty();
  }

  @Test
  void malformedNetworkAndMountLinesSkipOnlyThemselves() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    replace(paths.proc("net/dev"), "  eth0:", "  eth0: garbage");
    Files.writeString(
        paths.proc("1/mounts"), "half-a-line\n", java.nio.file.StandardOpenOption.APPEND);

    NodeFixture.Run run = NodeFixture.collect(paths);

    assertThat(run.partialFailures())
        .hasSize(2)
        .anySatisfy(m -> assertThat(m).startsWith("malformed /proc/net/dev counters for eth0"))
        .anySatisfy(m -> assertThat(m).isEqualTo("malformed mounts line: half-a-line"));
    assertThat(run.value(NETWORK_RECEIVE_BYTES, "lo")).isPositive();
    assertThat(run.snapshot().family(NETWORK_RECEIVE_BYTES).samples())
        .noneMatch(s -> s.labelValues().contains("eth0"));
    assertThat(run.snapshot().family(FILESYSTEM_SIZE).samples()).hasSize(4);
  }

  @Test
  void statfsFailureOfOneMountKeepsTheOthers() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    OshiRoot.bind(paths);
    NodeCollector collector =
        new NodeCollector(
            paths,
            mountPoint -> {
              if (mountPoint.endsWith("data")) {
                throw new java.nio.file.AccessDeniedException(mountPoint.toString());
              }
              return NodeFixture.FAKE_STATFS.of(mountPoint);
            });

    NodeFixture.Run run = NodeFixture.collect(collector);

    assertThat(run.partialFailures())
        .singleElement()
        .asString()
        .startsWith("cannot stat filesystem /data");
    assertThat(run.snapshot().family(FILESYSTEM_SIZE).samples()).hasSize(3);
  }

  @Test
  void missingProcFilesFallBackToTheCollectorsOwnView() throws IOException {
    RootPaths paths = NodeFixture.fresh();
    Files.move(paths.proc("1/mounts"), paths.proc("self-mounts"));
    Files.createDirectories(paths.proc("self"));
    Files.move(paths.proc("self-mounts"), paths.proc("self/mounts"));

    NodeFixture.Run run = NodeFixture.collect(paths);

    assertThat(run.partialFailures()).isEmpty();
    assertThat(run.snapshot().family(FILESYSTEM_SIZE).samples()).hasSize(4);
  }

  private static void replace(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    Files.writeString(file, text.replace(from, to));
  }
}
