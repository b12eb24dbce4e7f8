package dev.nodescope.collectors.node;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.FileTrees;
import dev.nodescope.collectors.testing.TestFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A writable copy of the node fixture tree (real files from a test machine) at one fixed place.
 * OSHI binds its /proc root once per JVM, so every node test in this JVM must use the same root;
 * tests that need bad input rewrite files in the copy, which is rebuilt before each test.
 */
final class NodeFixture {
  /** The fixture node both modules' tests share (fixtures/node/README.md). */
  static final Path SOURCE = Path.of("..", "fixtures", "node");

  static final Path COPY = Path.of("target/node-fixture-root").toAbsolutePath();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private NodeFixture() {}

  /**
   * A fresh copy of the fixture tree; its rootfs is empty (filesystem sizes come from a fake
   * statfs).
   */
  static RootPaths fresh() throws IOException {
    FileTrees.delete(COPY);
    FileTrees.copy(SOURCE, COPY);
    Files.createDirectories(COPY.resolve("rootfs"));
    return new RootPaths(COPY.resolve("proc"), COPY.resolve("sys"), COPY.resolve("rootfs"));
  }

  static CollectorContext context(RootPaths paths) {
    return new CollectorContext(
        paths,
        "node-1",
        TestFlags.DEFAULTS,
        PodDirectory.EMPTY,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        CLOCK);
  }

  /**
   * statfs answers for the fixture's mount points: the size grows with the length of the mount
   * point's last name (never the whole path, which holds the random temporary directory), free is
   * half.
   */
  static final FileSystemUsage FAKE_STATFS =
      mountPoint -> {
        java.nio.file.Path name = mountPoint.getFileName();
        long size = 1_000_000_000L * (1 + (name == null ? 0 : name.toString().length()));
        return new FileSystemUsage.Usage(size, size / 2, size / 2 - 4096);
      };

  record Run(Snapshot snapshot, List<String> partialFailures) {
    double value(MetricDescriptor descriptor, String... labels) {
      MetricFamily family = snapshot.family(descriptor);
      return family.samples().stream()
          .filter(s -> s.labelValues().equals(List.of(labels)))
          .mapToDouble(Sample::value)
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + descriptor.name() + List.of(labels)));
    }
  }

  static Run collect(NodeCollector collector) {
    SnapshotBuilder builder = new SnapshotBuilder("node", NodeMetrics.ALL);
    collector.collect(builder);
    return new Run(builder.build(CLOCK), builder.partialFailures());
  }

  static Run collect(RootPaths paths) {
    OshiRoot.bind(paths);
    return collect(new NodeCollector(paths, FAKE_STATFS));
  }
}
