package dev.nodescope.collectors.conntrack;

import static dev.nodescope.collectors.conntrack.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.podresources.PodResources;
import dev.nodescope.collectors.testing.Capabilities;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The flows collector on a real conntrack table: totals equal `conntrack -L -o extended`, the cap holds. */
class FlowsCollectorKernelTest {
  private static final String NS = "nsflows-coll-" + ProcessHandle.current().pid();
  private static final int PORTS = 30;
  private static final int MAX_SERIES = 6;

  @BeforeAll
  static void createNamespace() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("conntrack");
    Capabilities.requireCommand("iptables");
    sh("ip netns add " + NS);
    sh("ip netns exec " + NS + " ip link set lo up");
    sh("ip netns exec " + NS + " ip addr add 192.0.2.10/32 dev lo");
    sh("ip netns exec " + NS + " ip addr add 192.0.2.20/32 dev lo");
    sh("ip netns exec " + NS + " sysctl -qw net.netfilter.nf_conntrack_acct=1");
    sh("ip netns exec " + NS + " iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT");
  }

  @AfterAll
  static void removeNamespace() throws Exception {
    if (Capabilities.isRoot()) {
      Shell.deleteNamespace(NS);
    }
  }

  @Test
  void perPodTotalsMatchConntrackAndTheCapHolds() throws Exception {
    List<PodInfo> podList = new ArrayList<>(List.of(pod("client", "192.0.2.10"), pod("server", "192.0.2.20")));
    PodDirectory pods = new PodDirectory() {
      @Override
      public Collection<PodInfo> pods() {
        return podList;
      }
    };
    CollectorContext context = new CollectorContext(RootPaths.host(), "node-a",
        new FlagValues() {
          @Override
          @SuppressWarnings("unchecked")
          public <T> T get(Flag<T> flag) {
            return flag == FlowsCollectorFactory.MAX_SERIES ? (T) Integer.valueOf(MAX_SERIES) : flag.defaultValue();
          }
        }, pods,
        ClusterDirectory.EMPTY, PodResources.NONE, Clock.systemUTC());
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit(() -> {
        NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + NS);
        try (var collector = new FlowsCollectorFactory().create(context);
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 0))) {
          collector.collect(new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors()));
          for (int i = 0; i < PORTS; i++) {
            byte[] payload = new byte[100 + i];
            socket.send(new DatagramPacket(payload, payload.length,
                new InetSocketAddress(InetAddress.getByName("192.0.2.20"), 30000 + i)));
          }
          SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
          collector.collect(out);
          MetricFamily bytes = out.build(Clock.systemUTC()).family(FlowsCollectorFactory.BYTES);
          assertThat(bytes.samples()).hasSizeLessThanOrEqualTo(MAX_SERIES);
          long clientTx = sum(bytes, "client", "tx");
          assertThat(clientTx).isEqualTo(conntrackOriginalBytes());
          assertThat(sum(bytes, "server", "rx")).isEqualTo(clientTx);

          podList.removeIf(p -> p.name().equals("client"));
          SnapshotBuilder after = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
          collector.collect(after);
          assertThat(after.build(Clock.systemUTC()).family(FlowsCollectorFactory.BYTES).samples())
              .allSatisfy(s -> assertThat(s.labelValues().get(1)).isNotEqualTo("client"));
        }
        return null;
      }).get(60, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
  }

  private static long sum(MetricFamily family, String pod, String direction) {
    return family.samples().stream()
        .filter(s -> s.labelValues().get(1).equals(pod) && s.labelValues().get(2).equals(direction))
        .mapToLong(s -> (long) s.value()).sum();
  }

  private static long conntrackOriginalBytes() throws Exception {
    String text = new String(new ProcessBuilder("ip", "netns", "exec", NS, "conntrack", "-L", "-o", "extended", "-p",
        "udp", "-s", "192.0.2.10").start().getInputStream().readAllBytes());
    Matcher m = Pattern.compile("dport=\\d+ packets=\\d+ bytes=(\\d+)").matcher(text);
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    assertThat(total).isPositive();
    return total;
  }

  private static PodInfo pod(String name, String ip) {
    return new PodInfo("ns", name, "uid-" + name, List.of(ip), "ReplicaSet", name, false, "node-a", List.of());
  }
}
