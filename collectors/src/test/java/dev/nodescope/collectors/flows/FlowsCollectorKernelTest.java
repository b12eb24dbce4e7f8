package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flows collector on a real conntrack table: totals equal `conntrack -L -o extended`, the cap
 * holds.
 */
class FlowsCollectorKernelTest {
  private static final int PORTS = 30;
  private static final int MAX_SERIES = 6;
  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsflows-coll");

  @BeforeAll
  static void createNamespace() throws Exception {
    Capabilities.requireCommand("conntrack");
    NETNS.trackLoopback("192.0.2.10", "192.0.2.20");
  }

  @Test
  void perPodTotalsMatchConntrackAndTheCapHolds() throws Exception {
    List<PodInfo> podList =
        new ArrayList<>(List.of(pod("client", "192.0.2.10"), pod("server", "192.0.2.20")));
    PodDirectory pods = () -> podList;
    CollectorContext context =
        new CollectorContext(
            RootPaths.host(),
            "node-a",
            TestFlags.with(Map.of(SeriesAdmission.MAX_SERIES, MAX_SERIES)),
            pods,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    NETNS.call(
        60,
        () -> {
          try (var collector = new FlowsCollectorFactory().create(context);
              DatagramSocket socket =
                  new DatagramSocket(
                      new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 0))) {
            collector.collect(
                new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors()));
            for (int i = 0; i < PORTS; i++) {
              byte[] payload = new byte[100 + i];
              socket.send(
                  new DatagramPacket(
                      payload,
                      payload.length,
                      new InetSocketAddress(InetAddress.getByName("192.0.2.20"), 30000 + i)));
            }
            SnapshotBuilder out =
                new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
            collector.collect(out);
            MetricFamily bytes = out.build(Clock.systemUTC()).family(FlowsMetrics.BYTES);
            assertThat(bytes.samples()).hasSizeLessThanOrEqualTo(MAX_SERIES);
            long clientTx = sum(bytes, "client", "tx");
            assertThat(clientTx).isEqualTo(conntrackOriginalBytes());
            assertThat(sum(bytes, "server", "rx")).isEqualTo(clientTx);

            podList.removeIf(p -> p.name().equals("client"));
            SnapshotBuilder after =
                new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
            collector.collect(after);
            assertThat(after.build(Clock.systemUTC()).family(FlowsMetrics.BYTES).samples())
                .allSatisfy(s -> assertThat(s.labelValues().get(1)).isNotEqualTo("client"));
          }
          return null;
        });
  }

  private static long sum(MetricFamily family, String pod, String direction) {
    return family.samples().stream()
        .filter(s -> s.labelValues().get(1).equals(pod) && s.labelValues().get(2).equals(direction))
        .mapToLong(s -> (long) s.value())
        .sum();
  }

  private static long conntrackOriginalBytes() throws Exception {
    String text =
        NETNS.output("conntrack", "-L", "-o", "extended", "-p", "udp", "-s", "192.0.2.10");
    Matcher m = Pattern.compile("dport=\\d+ packets=\\d+ bytes=(\\d+)").matcher(text);
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    assertThat(total).isPositive();
    return total;
  }

  private static PodInfo pod(String name, String ip) {
    return new PodInfo(
        "ns", name, "uid-" + name, List.of(ip), "ReplicaSet", name, false, "node-a", List.of());
  }
}
