package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.exposition.BuildInfo;
import dev.nodescope.agent.exposition.OtelExposition;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import dev.nodescope.collectors.node.NodeCollectorFactory;
import dev.nodescope.collectors.pods.PodsCollectorFactory;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One CloudWatch bridge interval without the network (map the snapshots to Container Insights
 * events, render them as EMF JSON, build the declared metrics, split both into API calls) against
 * its peer in the same run: one Prometheus text scrape of the same registry. The node has 4 CPUs,
 * {@code pods} pods with one container each and {@code flows} flow series, as the collectors would
 * publish them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BridgeIntervalBenchmark {
  @Param({"100"})
  public int pods;

  @Param({"2000"})
  public int flows;

  private SnapshotRegistry registry;
  private Map<String, PodInfo> podsByUid;
  private CloudWatchBridge bridge;
  private OtelExposition exposition;

  private static MetricDescriptor descriptor(CollectorFactory factory, String name) {
    return factory.descriptors().stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Setup(Level.Trial)
  public void setUp() {
    registry = new SnapshotRegistry();
    NodeCollectorFactory node = new NodeCollectorFactory();
    SnapshotBuilder nodeOut = new SnapshotBuilder("node", node.descriptors());
    nodeOut.add(descriptor(node, "nodescope_node_cpus"), 4);
    nodeOut.add(descriptor(node, "nodescope_node_memory_total_bytes"), 16e9);
    nodeOut.add(descriptor(node, "nodescope_node_memory_used_bytes"), 6e9);
    for (int cpu = 0; cpu < 4; cpu++) {
      for (String mode : List.of("user", "system", "idle", "iowait")) {
        nodeOut.add(
            descriptor(node, "nodescope_node_cpu_seconds_total"),
            1000 + cpu,
            Integer.toString(cpu),
            mode);
      }
    }
    nodeOut.add(descriptor(node, "nodescope_node_network_receive_bytes_total"), 1e9, "eth0");
    nodeOut.add(descriptor(node, "nodescope_node_network_transmit_bytes_total"), 2e9, "eth0");
    nodeOut.add(
        descriptor(node, "nodescope_node_filesystem_size_bytes"),
        1e11,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    nodeOut.add(
        descriptor(node, "nodescope_node_filesystem_free_bytes"),
        4e10,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    nodeOut.add(
        descriptor(node, "nodescope_node_filesystem_avail_bytes"),
        3e10,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    registry.publish(nodeOut.build(Clock.systemUTC()));

    PodsCollectorFactory podsFactory = new PodsCollectorFactory();
    SnapshotBuilder podOut = new SnapshotBuilder("pods", podsFactory.descriptors());
    podsByUid = new HashMap<>();
    for (int p = 0; p < pods; p++) {
      String uid = "uid-" + p;
      String name = "inference-" + (p / 4) + "-7d9f8c6b5-x" + p;
      podsByUid.put(
          uid,
          new PodInfo(
              "ml",
              name,
              uid,
              List.of("192.0.2." + (p % 250)),
              "Deployment",
              "inference-" + (p / 4),
              false,
              "node-1",
              List.of(new PodInfo.ContainerInfo("app", "c" + p, 0))));
      String[] labels = {"ml", name, uid};
      podOut.add(descriptor(podsFactory, "nodescope_pod_cpu_usage_seconds_total"), 100 + p, labels);
      podOut.add(
          descriptor(podsFactory, "nodescope_pod_memory_working_set_bytes"), 1e8 + p, labels);
      podOut.add(descriptor(podsFactory, "nodescope_pod_memory_limit_bytes"), 2e9, labels);
      podOut.add(
          descriptor(podsFactory, "nodescope_pod_network_receive_bytes_total"), 1e6 * p, labels);
      podOut.add(
          descriptor(podsFactory, "nodescope_pod_network_transmit_bytes_total"), 2e6 * p, labels);
      String[] container = {"ml", name, "app", uid};
      podOut.add(
          descriptor(podsFactory, "nodescope_container_cpu_usage_seconds_total"),
          100 + p,
          container);
      podOut.add(
          descriptor(podsFactory, "nodescope_container_memory_working_set_bytes"),
          1e8 + p,
          container);
    }
    registry.publish(podOut.build(Clock.systemUTC()));

    FlowsCollectorFactory flowsFactory = new FlowsCollectorFactory();
    SnapshotBuilder flowOut = new SnapshotBuilder("flows", flowsFactory.descriptors());
    for (int f = 0; f < flows; f++) {
      int p = f % pods;
      String[] labels = {
        "ml",
        "inference-" + (p / 4) + "-7d9f8c6b5-x" + p,
        f % 2 == 0 ? "tx" : "rx",
        "db",
        "db-" + (f / 2),
        "db",
        "pod",
        "same-zone",
        "tcp",
        "5432",
        "client"
      };
      flowOut.add(descriptor(flowsFactory, "nodescope_flow_bytes_total"), 1e6 + f, labels);
      flowOut.add(descriptor(flowsFactory, "nodescope_flow_packets_total"), 1e3 + f, labels);
      flowOut.add(descriptor(flowsFactory, "nodescope_flow_connections_total"), 3, labels);
    }
    registry.publish(flowOut.build(Clock.systemUTC()));

    PodDirectory directory = () -> List.copyOf(podsByUid.values());
    // Never sends: prepare() is all the benchmark calls.
    bridge =
        new CloudWatchBridge(
            new CloudWatchSettings(
                "us-east-1",
                "prod",
                Duration.ofSeconds(60),
                Optional.of(URI.create("http://127.0.0.1:9")),
                "/aws/containerinsights/prod/performance",
                "Nodescope",
                Declarations.defaults(),
                List.of(),
                false,
                20_000,
                Duration.ofMinutes(10)),
            registry,
            directory,
            "node-1",
            Map.of("InstanceId", "i-0123456789abcdef0"),
            Clock.systemUTC(),
            duration -> {});
    Map<String, List<MetricDescriptor>> descriptors = new LinkedHashMap<>();
    descriptors.put("node", node.descriptors());
    descriptors.put("pods", podsFactory.descriptors());
    descriptors.put("flows", flowsFactory.descriptors());
    exposition =
        new OtelExposition(registry, descriptors, new BuildInfo("bench", "bench"), 100_000);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    exposition.close();
    bridge.close();
  }

  /**
   * What the bridge thread does each interval before it sends anything, and the split into API
   * calls.
   */
  @Benchmark
  public void bridgeInterval(Blackhole blackhole) {
    CloudWatchBridge.Prepared prepared = bridge.prepare(System.currentTimeMillis());
    blackhole.consume(LogEventBatcher.batches(prepared.logEvents()));
    blackhole.consume(MetricDatumBatcher.batch(prepared.data()));
  }

  /** The peer: one Prometheus text scrape of the same snapshots. */
  @Benchmark
  public void peerPrometheusScrape(Blackhole blackhole) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    PrometheusTextFormatWriter.create().write(out, exposition.prometheusRegistry().scrape());
    blackhole.consume(out.size());
  }
}
