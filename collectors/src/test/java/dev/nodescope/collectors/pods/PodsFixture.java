package dev.nodescope.collectors.pods;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.TestFlags;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The kubelet cgroup trees built by make-fixtures.sh, and the metadata the tests know about their
 * pods.
 */
final class PodsFixture {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/pods");
  static final List<String> TREES =
      List.of("cgroup-v2-systemd", "cgroup-v2-cgroupfs", "cgroup-v1-systemd", "cgroup-v1-cgroupfs");
  static final String POD_A = "1a2b3c4d-0000-4000-8000-00000000000a";
  static final String POD_B = "5e6f7a8b-0000-4000-8000-00000000000b";
  static final String POD_C = "9c0d1e2f-0000-4000-8000-00000000000c";
  static final String APP_A = "a1".repeat(32);
  static final String APP_B = "b1".repeat(32);
  static final String SIDECAR_B = "b2".repeat(32);
  static final String PAUSE_C = "c0".repeat(32);
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  /**
   * Pod A and C are known to the informer; pod B is not (just scheduled, or no Kubernetes access).
   */
  static final PodDirectory DIRECTORY =
      () ->
          List.of(
              new PodInfo(
                  "inference",
                  "llm-server-0",
                  POD_A,
                  List.of("10.0.0.12"),
                  "StatefulSet",
                  "llm-server",
                  false,
                  "node-1",
                  List.of(new PodInfo.ContainerInfo("server", APP_A, 0))),
              new PodInfo(
                  "kube-system",
                  "node-agent-x7k2p",
                  POD_C,
                  List.of("192.0.2.10"),
                  "DaemonSet",
                  "node-agent",
                  true,
                  "node-1",
                  List.of(new PodInfo.ContainerInfo("agent", PAUSE_C, 1))));

  private PodsFixture() {}

  static RootPaths paths(Path tree) {
    return new RootPaths(tree.resolve("proc"), tree.resolve("sys"), tree);
  }

  static CollectorContext context(RootPaths paths, PodDirectory pods) {
    return new CollectorContext(
        paths,
        "node-1",
        TestFlags.DEFAULTS,
        pods,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        CLOCK);
  }

  record Run(Snapshot snapshot, List<String> partialFailures) {
    Optional<Double> value(MetricDescriptor descriptor, String... labels) {
      return snapshot.family(descriptor).samples().stream()
          .filter(s -> s.labelValues().equals(List.of(labels)))
          .map(Sample::value)
          .findFirst();
    }

    List<List<String>> labels(MetricDescriptor descriptor) {
      return snapshot.family(descriptor).samples().stream().map(Sample::labelValues).toList();
    }
  }

  static Run collect(Path tree, PodDirectory pods) throws Exception {
    var collector = new PodsCollectorFactory().create(context(paths(tree), pods));
    SnapshotBuilder builder = new SnapshotBuilder("pods", PodsMetrics.ALL);
    collector.collect(builder);
    return new Run(builder.build(CLOCK), builder.partialFailures());
  }
}
