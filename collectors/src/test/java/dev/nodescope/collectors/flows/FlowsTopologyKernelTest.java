package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.kubernetes.KubeObjects;
import dev.nodescope.collectors.kubernetes.KubernetesMetadata;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.Shell;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flows collector on a node as a CNI builds it: a node namespace routes between two pod
 * namespaces through veth pairs (IPv4 and IPv6), with conntrack accounting on and a DNAT rule
 * standing for a Service's ClusterIP, and the pods, Service and EndpointSlice served by a fake API
 * server. Known traffic crosses it; the truth is the node's own iptables counters on rules that
 * match each pod's tracked traffic in FORWARD (after DNAT, as conntrack accounts it), which the
 * agent never reads.
 */
class FlowsTopologyKernelTest {
  private static final String NODE = "node-a";
  private static final String NAMESPACE = "shop";
  private static final String CLUSTER_IP = "203.0.113.10";
  private static final int SERVICE_PORT = 80;
  private static final int BACKEND_PORT = 8080;
  private static final int SHORT_PORT = 9000;
  private static final int IPV6_PORT = 8081;
  private static final int UDP_FIRST_PORT = 31000;
  private static final int LARGE_TRANSFERS = 3;
  private static final int LARGE_BYTES = 8 << 20;
  private static final int IPV6_BYTES = 4 << 20;
  private static final int SHORT_CONNECTIONS = 300;
  private static final int SHORT_BYTES = 1000;
  private static final int UDP_PORTS = 200;
  private static final int CAPPED_MAX_SERIES = 10;

  /** A pod: its name, its namespace, its veth pair's index and its addresses. */
  private record PodNet(String name, TestNetns netns, int index, String v4, String v6) {}

  @RegisterExtension static final TestNetns NODE_NETNS = TestNetns.perClass("nsft-node");
  @RegisterExtension static final TestNetns A_NETNS = TestNetns.perClass("nsft-a");
  @RegisterExtension static final TestNetns B_NETNS = TestNetns.perClass("nsft-b");
  private static final PodNet A = new PodNet("a", A_NETNS, 1, "192.0.2.10", "2001:db8::10");
  private static final PodNet B = new PodNet("b", B_NETNS, 2, "192.0.2.20", "2001:db8::20");

  @BeforeAll
  static void buildNode() throws Exception {
    for (String command :
        List.of("ip", "conntrack", "iptables", "ip6tables", "iptables-save", "ip6tables-save")) {
      Capabilities.requireCommand(command);
    }
    NODE_NETNS.run("ip link set lo up");
    NODE_NETNS.run(
        "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"
            + " net.netfilter.nf_conntrack_acct=1");
    for (PodNet pod : List.of(A, B)) {
      // Routed, not bridged (as VPC CNI and Calico do): a /32 and /128 per pod, the node's side of
      // the veth as
      // the pod's gateway, a host route per pod on the node.
      TestNetns n = pod.netns();
      String veth = "veth" + pod.index();
      String gw4 = "198.51.100." + pod.index();
      String gw6 = "2001:db8:ff::" + pod.index();
      n.run("ip link set lo up");
      Shell.sh(
          "ip link add "
              + veth
              + " netns "
              + NODE_NETNS.name()
              + " type veth peer name eth0 netns "
              + n.name());
      NODE_NETNS.run("ip addr add " + gw4 + "/32 dev " + veth);
      NODE_NETNS.run("ip -6 addr add " + gw6 + "/128 dev " + veth + " nodad");
      NODE_NETNS.run("ip link set " + veth + " up");
      NODE_NETNS.run("ip route add " + pod.v4() + "/32 dev " + veth);
      NODE_NETNS.run("ip -6 route add " + pod.v6() + "/128 dev " + veth);
      n.run("ip addr add " + pod.v4() + "/32 dev eth0");
      n.run("ip -6 addr add " + pod.v6() + "/128 dev eth0 nodad");
      n.run("ip link set eth0 up");
      n.run("ip route add " + gw4 + " dev eth0");
      n.run("ip route add default via " + gw4 + " dev eth0");
      n.run("ip -6 route add " + gw6 + " dev eth0");
      n.run("ip -6 route add default via " + gw6 + " dev eth0");
      // UDP to closed ports would draw ICMP errors, which conntrack does not account to the flow.
      n.run("iptables -A INPUT -p udp -j DROP");
      n.run("ip6tables -A INPUT -p udp -j DROP");
      // The truth: tracked packets from and to the pod as the node forwards them (conntrack
      // accounts each
      // packet once, at PREROUTING; after DNAT the destination is the backend, as in the reply
      // tuple).
      for (String[] family : new String[][] {{"iptables", pod.v4()}, {"ip6tables", pod.v6()}}) {
        for (String[] rule : new String[][] {{"-s", "tx"}, {"-d", "rx"}}) {
          NODE_NETNS.run(
              family[0]
                  + " -A FORWARD "
                  + rule[0]
                  + " "
                  + family[1]
                  + " -m conntrack --ctstate NEW,ESTABLISHED -m comment --comment '"
                  + rule[1]
                  + " "
                  + pod.name()
                  + "'");
        }
      }
    }
    // The short connections alone (A's side of them), to check what only DESTROY events carry.
    NODE_NETNS.run(
        "iptables -A FORWARD -s "
            + A.v4()
            + " -p tcp --dport "
            + SHORT_PORT
            + " -m conntrack --ctstate NEW,ESTABLISHED -m comment --comment 'tx a:"
            + SHORT_PORT
            + "'");
    NODE_NETNS.run(
        "iptables -A FORWARD -d "
            + A.v4()
            + " -p tcp --sport "
            + SHORT_PORT
            + " -m conntrack --ctstate NEW,ESTABLISHED -m comment --comment 'rx a:"
            + SHORT_PORT
            + "'");
    NODE_NETNS.run(
        "iptables -t nat -A PREROUTING -d "
            + CLUSTER_IP
            + " -p tcp --dport "
            + SERVICE_PORT
            + " -j DNAT --to-destination "
            + B.v4()
            + ":"
            + BACKEND_PORT);
  }

  @Test
  void perPodCountersEqualTheNodesIptablesCounters() throws Exception {
    Path dir = Files.createTempDirectory("flows-topology");
    ExecutorService node = NODE_NETNS.threads();
    ExecutorService podA = A.netns().threads();
    ExecutorService podB = B.netns().threads();
    try (FakeApiServer api = new FakeApiServer()) {
      api.put(KubeObjects.node(NODE, "zone-a", "198.51.100.1"));
      api.put(pod(A));
      api.put(pod(B));
      api.put(KubeObjects.service(NAMESPACE, "web", CLUSTER_IP));
      api.put(KubeObjects.slice(NAMESPACE, "web-x1", new String[] {"b", B.v4(), NODE}));
      try (KubernetesMetadata metadata =
          KubernetesMetadata.connect(api.writeKubeconfig(dir), Map.of(), NODE).orElseThrow()) {
        ClusterDirectory cluster = metadata.startClusterDirectory(true);
        Eventually.await(
            "pods and Service known",
            () ->
                metadata.pods().byIp(A.v6()).isPresent()
                    && metadata.pods().byIp(B.v4()).isPresent()
                    && cluster.serviceByClusterIp(CLUSTER_IP).isPresent()
                    && cluster.podByIp(B.v4()).isPresent());
        CollectorContext full =
            context(metadata, cluster, SeriesAdmission.MAX_SERIES.defaultValue());
        CollectorContext capped = context(metadata, cluster, CAPPED_MAX_SERIES);
        Collector uncappedCollector = in(node, () -> new FlowsCollectorFactory().create(full));
        Collector cappedCollector = in(node, () -> new FlowsCollectorFactory().create(capped));
        try (uncappedCollector;
            cappedCollector) {
          in(node, () -> collect(uncappedCollector) != null && collect(cappedCollector) != null);

          moveKnownTraffic(podA, podB);
          deleteClosedShortConnections();

          Snapshot all = in(node, () -> collect(uncappedCollector));
          String entries = NODE_NETNS.output("conntrack", "-C").trim();
          Snapshot few = in(node, () -> collect(cappedCollector));
          Map<String, long[]> truth = iptablesCounters();
          // The table's size and limit as the kernel and conntrack-tools say (several digits: read
          // in one go).
          assertThat(all.family(FlowsMetrics.ENTRIES).samples())
              .singleElement()
              .satisfies(s -> assertThat((long) s.value()).isEqualTo(Long.parseLong(entries)));
          assertThat(all.family(FlowsMetrics.ENTRIES_LIMIT).samples())
              .singleElement()
              .satisfies(
                  s ->
                      assertThat((long) s.value())
                          .isEqualTo(
                              Long.parseLong(
                                  Files.readAllLines(
                                          Path.of("/proc/sys/net/netfilter/nf_conntrack_max"))
                                      .get(0))));
          assertThat(all.family(FlowsMetrics.SOURCE).samples())
              .singleElement()
              .satisfies(s -> assertThat(s.labelValues()).containsExactly("netlink"));

          for (PodNet pod : List.of(A, B)) {
            for (String direction : List.of("tx", "rx")) {
              long[] expected = truth.get(direction + " " + pod.name());
              Predicate<Sample> mine = label("pod", pod.name()).and(label("direction", direction));
              for (Snapshot snapshot : List.of(all, few)) {
                assertThat(sum(snapshot, FlowsMetrics.BYTES, mine))
                    .as("%s %s bytes", pod, direction)
                    .isCloseTo(expected[1], withinPercentage(1));
                assertThat(sum(snapshot, FlowsMetrics.PACKETS, mine))
                    .as("%s %s packets", pod, direction)
                    .isCloseTo(expected[0], withinPercentage(1));
              }
            }
          }
          assertThat(truth.get("tx a")[1])
              .as("the traffic moved")
              .isGreaterThan(
                  (long) LARGE_TRANSFERS * LARGE_BYTES
                      + IPV6_BYTES
                      + (long) SHORT_CONNECTIONS * SHORT_BYTES);

          // One connection, two sides: a pod's tx to a peer is the peer's rx from it.
          for (MetricDescriptor d : List.of(FlowsMetrics.BYTES, FlowsMetrics.PACKETS)) {
            assertThat(sum(all, d, labels("a", "tx", "b")))
                .isEqualTo(sum(all, d, labels("b", "rx", "a")))
                .isPositive();
            assertThat(sum(all, d, labels("b", "tx", "a")))
                .isEqualTo(sum(all, d, labels("a", "rx", "b")))
                .isPositive();
          }

          // Through the ClusterIP: named by its Service on the client's side, at the addressed
          // port.
          List<Sample> viaService =
              samples(
                  all,
                  FlowsMetrics.BYTES,
                  label("pod", "a").and(label("direction", "tx")).and(label("port", SERVICE_PORT)));
          assertThat(viaService)
              .singleElement()
              .satisfies(
                  s -> {
                    assertThat(s.labelValues())
                        .containsExactly(
                            NAMESPACE,
                            "a",
                            "tx",
                            NAMESPACE,
                            "b",
                            NAMESPACE + "/web",
                            "service",
                            "same-node",
                            "tcp",
                            "80",
                            "client");
                    assertThat(s.value()).isGreaterThan((double) LARGE_TRANSFERS * LARGE_BYTES);
                  });
          assertThat(
                  samples(
                      all,
                      FlowsMetrics.CONNECTIONS,
                      label("pod", "b").and(label("port", BACKEND_PORT))))
              .as("the backend serves at its own port, for a client that is a pod, not a Service")
              .allSatisfy(
                  s ->
                      assertThat(s.labelValues().subList(3, 7))
                          .containsExactly(NAMESPACE, "a", "", "pod"))
              .extracting(Sample::value)
              .contains((double) LARGE_TRANSFERS);

          // Short connections, closed and gone from the table before the dump: counted from DESTROY
          // events.
          for (String direction : List.of("tx", "rx")) {
            long[] expected = truth.get(direction + " a:" + SHORT_PORT);
            Predicate<Sample> shortOnes =
                label("pod", "a").and(label("direction", direction)).and(label("port", SHORT_PORT));
            assertThat(sum(all, FlowsMetrics.BYTES, shortOnes))
                .isCloseTo(expected[1], withinPercentage(1));
            assertThat(sum(all, FlowsMetrics.PACKETS, shortOnes))
                .isCloseTo(expected[0], withinPercentage(1));
          }
          assertThat(
                  samples(
                      all,
                      FlowsMetrics.CONNECTIONS,
                      label("pod", "a")
                          .and(label("direction", "tx"))
                          .and(label("port", SHORT_PORT))))
              .extracting(Sample::value)
              .containsExactly((double) SHORT_CONNECTIONS);
          // UDP to many ports, and IPv6.
          assertThat(
                  samples(
                      all,
                      FlowsMetrics.BYTES,
                      label("pod", "a")
                          .and(label("direction", "tx"))
                          .and(label("protocol", "udp"))))
              .hasSize(UDP_PORTS);
          assertThat(
                  samples(
                      all,
                      FlowsMetrics.BYTES,
                      label("pod", "b")
                          .and(label("direction", "rx"))
                          .and(label("port", IPV6_PORT))))
              .extracting(Sample::value)
              .singleElement()
              .satisfies(v -> assertThat(v).isGreaterThan((double) IPV6_BYTES));

          // The cap holds for every flow metric, and the folded total is the same.
          for (MetricDescriptor d :
              List.of(
                  FlowsMetrics.BYTES,
                  FlowsMetrics.PACKETS,
                  FlowsMetrics.CONNECTIONS,
                  FlowsMetrics.ACTIVE)) {
            assertThat(few.family(d).samples()).hasSizeLessThanOrEqualTo(CAPPED_MAX_SERIES);
            assertThat(sum(few, d, s -> true)).as(d.name()).isEqualTo(sum(all, d, s -> true));
          }
          assertThat(all.family(FlowsMetrics.BYTES).samples()).hasSizeGreaterThan(2 * UDP_PORTS);

          // A deleted pod's series go; its peer keeps its own.
          api.delete(pod(A));
          Eventually.await("pod a deleted", () -> metadata.pods().byIp(A.v4()).isEmpty());
          for (Collector collector : List.of(uncappedCollector, cappedCollector)) {
            Snapshot after = in(node, () -> collect(collector));
            assertThat(samples(after, FlowsMetrics.BYTES, label("pod", "a"))).isEmpty();
            assertThat(samples(after, FlowsMetrics.BYTES, label("pod", "b"))).isNotEmpty();
          }
        }
      }
    } finally {
      for (ExecutorService threads : List.of(node, podA, podB)) {
        threads.shutdownNow();
      }
    }
  }

  /**
   * Large transfers through the ClusterIP, hundreds of short connections, UDP to many ports, one
   * IPv6 transfer; every loop bounded in count, every socket in time.
   */
  private static void moveKnownTraffic(ExecutorService podA, ExecutorService podB)
      throws Exception {
    List<Future<Long>> served = new ArrayList<>();
    served.add(serve(podB, new InetSocketAddress(B.v4(), BACKEND_PORT), LARGE_TRANSFERS));
    served.add(serve(podB, new InetSocketAddress(B.v4(), SHORT_PORT), SHORT_CONNECTIONS));
    served.add(serve(podB, new InetSocketAddress(InetAddress.getByName(B.v6()), IPV6_PORT), 1));
    in(
        podA,
        () -> {
          for (int i = 0; i < LARGE_TRANSFERS; i++) {
            send(new InetSocketAddress(CLUSTER_IP, SERVICE_PORT), LARGE_BYTES);
          }
          for (int i = 0; i < SHORT_CONNECTIONS; i++) {
            send(new InetSocketAddress(B.v4(), SHORT_PORT), SHORT_BYTES);
          }
          send(new InetSocketAddress(InetAddress.getByName(B.v6()), IPV6_PORT), IPV6_BYTES);
          try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(A.v4(), 0))) {
            for (int i = 0; i < UDP_PORTS; i++) {
              byte[] payload = new byte[100 + i];
              for (int copy = 0; copy < 2; copy++) {
                udp.send(
                    new DatagramPacket(
                        payload,
                        payload.length,
                        new InetSocketAddress(B.v4(), UDP_FIRST_PORT + i)));
              }
            }
          }
          return null;
        });
    assertThat(served.get(0).get(60, TimeUnit.SECONDS))
        .isEqualTo((long) LARGE_TRANSFERS * LARGE_BYTES);
    assertThat(served.get(1).get(60, TimeUnit.SECONDS))
        .isEqualTo((long) SHORT_CONNECTIONS * SHORT_BYTES);
    assertThat(served.get(2).get(60, TimeUnit.SECONDS)).isEqualTo(IPV6_BYTES);
  }

  /**
   * Accepts that many connections one after the other, reads each to its end and closes it; returns
   * the bytes.
   */
  private static Future<Long> serve(ExecutorService pod, InetSocketAddress address, int connections)
      throws Exception {
    ServerSocket server =
        in(pod, () -> new ServerSocket(address.getPort(), 50, address.getAddress()));
    server.setSoTimeout(30_000);
    return pod.submit(
        () -> {
          long total = 0;
          try (server) {
            byte[] buf = new byte[64 * 1024];
            for (int i = 0; i < connections; i++) {
              try (Socket s = server.accept();
                  InputStream in = s.getInputStream()) {
                s.setSoTimeout(30_000);
                for (int n; (n = in.read(buf)) >= 0; ) {
                  total += n;
                }
              }
            }
          }
          return total;
        });
  }

  /**
   * Sends the bytes, half-closes, and waits for the server's close, so the connection ends cleanly.
   */
  private static void send(InetSocketAddress to, int bytes) throws Exception {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.connect(to, 5000);
      OutputStream out = s.getOutputStream();
      byte[] chunk = new byte[64 * 1024];
      for (int left = bytes; left > 0; left -= chunk.length) {
        out.write(chunk, 0, Math.min(left, chunk.length));
      }
      s.shutdownOutput();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  /**
   * Removes the short connections from the node's table once all have closed (TIME_WAIT), so that
   * only their DESTROY events carry them; the kernel would keep them for two minutes otherwise.
   */
  private static void deleteClosedShortConnections() throws Exception {
    String[] list = {"conntrack", "-L", "-p", "tcp", "--dport", Integer.toString(SHORT_PORT)};
    Eventually.await(
        "short connections closed",
        () -> {
          try {
            String text = NODE_NETNS.output(list);
            return text.lines().filter(l -> l.contains("TIME_WAIT")).count() == SHORT_CONNECTIONS;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    NODE_NETNS.run("conntrack -D -p tcp --dport " + SHORT_PORT + " > /dev/null 2>&1");
    assertThat(NODE_NETNS.output(list).lines().filter(l -> l.contains("dport=")).count()).isZero();
  }

  /** "tx a" (or "tx a:9000") → {packets, bytes}, summed over iptables and ip6tables. */
  private static Map<String, long[]> iptablesCounters() throws Exception {
    Map<String, long[]> counters = new HashMap<>();
    Pattern rule =
        Pattern.compile("^\\[(\\d+):(\\d+)] -A FORWARD .*--comment \"?((?:tx|rx) [\\w:]+)\"?");
    for (String save : List.of("iptables-save", "ip6tables-save")) {
      for (String line : NODE_NETNS.output(save, "-c", "-t", "filter").split("\n", -1)) {
        Matcher m = rule.matcher(line);
        if (m.find()) {
          long[] c = counters.computeIfAbsent(m.group(3), k -> new long[2]);
          c[0] += Long.parseLong(m.group(1));
          c[1] += Long.parseLong(m.group(2));
        }
      }
    }
    assertThat(counters)
        .containsOnlyKeys(
            "tx a", "rx a", "tx b", "rx b", "tx a:" + SHORT_PORT, "rx a:" + SHORT_PORT);
    counters.forEach(
        (name, c) -> System.out.printf("iptables %s: %d packets, %d bytes%n", name, c[0], c[1]));
    return counters;
  }

  private static Pod pod(PodNet pod) {
    return KubeObjects.deploymentPod(
            NAMESPACE, pod.name(), "uid-" + pod.name(), NODE, pod.v4(), "web", "abc12")
        .editStatus()
        .addNewPodIP(pod.v6())
        .endStatus()
        .build();
  }

  private static CollectorContext context(
      KubernetesMetadata metadata, ClusterDirectory cluster, int maxSeries) {
    return new CollectorContext(
        RootPaths.host(),
        NODE,
        TestFlags.with(Map.of(SeriesAdmission.MAX_SERIES, maxSeries)),
        metadata.pods(),
        cluster,
        PodResources.NONE,
        Clock.systemUTC());
  }

  private static Snapshot collect(Collector collector) throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
    collector.collect(out);
    assertThat(out.partialFailures()).isEmpty();
    return out.build(Clock.systemUTC());
  }

  private static <T> T in(ExecutorService threads, Callable<T> task) throws Exception {
    return threads.submit(task).get(120, TimeUnit.SECONDS);
  }

  private static Predicate<Sample> labels(String pod, String direction, String remotePod) {
    return label("pod", pod).and(label("direction", direction)).and(label("remote_pod", remotePod));
  }

  private static Predicate<Sample> label(String name, Object value) {
    int index = FlowsMetrics.FLOW_LABELS.indexOf(name);
    return s -> s.labelValues().get(index).equals(value.toString());
  }

  private static List<Sample> samples(
      Snapshot snapshot, MetricDescriptor d, Predicate<Sample> filter) {
    return snapshot.family(d).samples().stream().filter(filter).toList();
  }

  private static long sum(Snapshot snapshot, MetricDescriptor d, Predicate<Sample> filter) {
    return samples(snapshot, d, filter).stream().mapToLong(s -> (long) s.value()).sum();
  }
}
