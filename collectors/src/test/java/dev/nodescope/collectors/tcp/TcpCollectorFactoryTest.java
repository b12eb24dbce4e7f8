package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.TestFlags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the tcp collector cannot run it says why, in one line: no BTF, cgroup v1 only; and it sizes
 * its map from the node's memory.
 */
class TcpCollectorFactoryTest {
  @TempDir Path root;

  private CollectorContext context() {
    return new CollectorContext(
        new RootPaths(root.resolve("proc"), root.resolve("sys"), root),
        "node-a",
        TestFlags.with(Map.of()),
        PodDirectory.EMPTY,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }

  @Test
  void withoutBtfTheCollectorIsUnavailable() throws Exception {
    Files.createDirectories(root.resolve("sys/fs/cgroup"));
    Files.writeString(root.resolve("sys/fs/cgroup/cgroup.controllers"), "cpu memory\n");

    assertThatThrownBy(() -> new TcpCollectorFactory().create(context()))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no BTF")
        .hasMessageNotContaining("\n");
  }

  @Test
  void onCgroupV1OnlyWithAnEmptyBtfFileBothPartsAndSoTheCollectorAreUnavailable() throws Exception {
    Files.createDirectories(root.resolve("sys/kernel/btf"));
    Files.writeString(root.resolve("sys/kernel/btf/vmlinux"), "");
    // A cgroup v1 host: controller hierarchies under /sys/fs/cgroup, no cgroup2 anywhere.
    Files.createDirectories(root.resolve("sys/fs/cgroup/memory"));
    Files.createDirectories(root.resolve("sys/fs/cgroup/unified"));

    assertThatThrownBy(() -> new TcpCollectorFactory().create(context()))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessage(
            "health: cgroup v1 only: no cgroup v2 hierarchy at "
                + root.resolve("sys/fs/cgroup")
                + " or "
                + root.resolve("sys/fs/cgroup/unified")
                + "; drops: "
                + root.resolve("sys/kernel/btf/vmlinux")
                + ": 0 bytes, shorter than a BTF header");
  }

  @Test
  void theMapIsSizedFromMemoryWithinItsBounds() throws Exception {
    Files.createDirectories(root.resolve("proc"));
    Path meminfo = root.resolve("proc/meminfo");
    Files.writeString(meminfo, "MemTotal:       24683748 kB\nMemFree: 1 kB\n");
    assertThat(TcpCollectorFactory.rowsForMemory(context())).isEqualTo(16384);
    Files.writeString(meminfo, "MemTotal:       201326592 kB\n");
    assertThat(TcpCollectorFactory.rowsForMemory(context())).isEqualTo(49152);
    Files.writeString(meminfo, "MemTotal:       4294967296 kB\n");
    assertThat(TcpCollectorFactory.rowsForMemory(context())).isEqualTo(65536);
  }
}
