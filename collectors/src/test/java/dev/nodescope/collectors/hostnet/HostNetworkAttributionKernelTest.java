package dev.nodescope.collectors.hostnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import dev.nodescope.collectors.flows.FlowsMetrics;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.KubeletPodCgroup;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A hostNetwork pod made by hand: a process in a kubelet-shaped pod cgroup, in a network namespace
 * of the test's where 192.0.2.50 stands for the node's IP. It serves a pod of its own IP
 * (192.0.2.10, the test) and connects out to 198.51.100.9:443 (the test again). The flows collector
 * must name it on both connections, with the byte counts `conntrack -L -o extended` shows; once it
 * has exited, the same connections fall back to the node.
 */
class HostNetworkAttributionKernelTest {
  private static final String NODE_IP = "192.0.2.50";
  private static final String WEB_IP = "192.0.2.10";
  private static final String OUTSIDE_IP = "198.51.100.9";
  private static final int BYTES = 30_000;
  private final String uid = UUID.randomUUID().toString();
  private TestNetns netns;

  @Test
  void namesTheHostNetworkPodThatOwnsTheSocket() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("conntrack");
    KubeletPodCgroup pod = KubeletPodCgroup.create(uid);
    Process ingress = null;
    ExecutorService thread = null;
    try {
      netns = TestNetns.create("nshostnet");
      netns.trackLoopback(NODE_IP, WEB_IP, OUTSIDE_IP);
      thread = netns.threads();
      try (ServerSocket outside =
          thread
              .submit(() -> new ServerSocket(443, 5, java.net.InetAddress.getByName(OUTSIDE_IP)))
              .get(10, TimeUnit.SECONDS)) {
        ingress = startIngress();
        pod.add(ingress.pid());
        BufferedReader said =
            new BufferedReader(
                new InputStreamReader(ingress.getInputStream(), StandardCharsets.UTF_8));
        assertThat(said.readLine()).isEqualTo("ready");
        Process process = ingress;
        thread
            .submit(
                () -> {
                  try (Socket fromIngress = outside.accept();
                      Socket web = new Socket()) {
                    assertThat(fromIngress.getInputStream().readNBytes(BYTES)).hasSize(BYTES);
                    web.bind(new InetSocketAddress(WEB_IP, 0));
                    web.connect(new InetSocketAddress(NODE_IP, 8080), 5000);
                    web.getOutputStream().write(new byte[BYTES]);
                    assertThat(web.getInputStream().readNBytes(2 * BYTES)).hasSize(2 * BYTES);
                    assertThat(said.readLine()).isEqualTo("served");
                    Thread.sleep(
                        300); // the last delayed ACKs, so that conntrack and the collector see the
                    // same counters
                    assertAttributedToIngress();

                    process.getOutputStream().close();
                    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    Thread.sleep(300);
                    assertFallsBackToTheNode();
                  }
                  return null;
                })
            .get(120, TimeUnit.SECONDS);
      }
    } finally {
      if (thread != null) {
        thread.shutdownNow();
      }
      if (ingress != null) {
        ingress.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      if (netns != null) {
        netns.close();
      }
      pod.close(); // after its process has exited
    }
  }

  /**
   * Runs on the thread inside the namespace: a fresh collector, so every counter comes from this
   * dump.
   */
  private void assertAttributedToIngress() throws Exception {
    MetricFamily bytes = collect();
    long[] served = conntrackBytes(8080);
    long[] dialled = conntrackBytes(443);
    assertThat(value(bytes, "ingress", "rx", "server", "8080", "web", "pod")).isEqualTo(served[0]);
    assertThat(value(bytes, "ingress", "tx", "server", "8080", "web", "pod")).isEqualTo(served[1]);
    assertThat(value(bytes, "web", "tx", "client", "8080", "ingress", "pod")).isEqualTo(served[0]);
    assertThat(value(bytes, "ingress", "tx", "client", "443", "", "external"))
        .isEqualTo(dialled[0]);
    assertThat(value(bytes, "ingress", "rx", "client", "443", "", "external"))
        .isEqualTo(dialled[1]);
    assertThat(served[0]).isGreaterThan(BYTES);
    assertThat(dialled[0]).isGreaterThan(BYTES);
  }

  /**
   * The process is gone with its sockets: its connections are the node's, and web's peer is the
   * node.
   */
  private void assertFallsBackToTheNode() throws Exception {
    MetricFamily bytes = collect();
    assertThat(bytes.samples()).noneMatch(s -> s.labelValues().get(1).equals("ingress"));
    assertThat(value(bytes, "web", "tx", "client", "8080", "", "node"))
        .isEqualTo(conntrackBytes(8080)[0]);
  }

  private MetricFamily collect() throws Exception {
    List<PodInfo> podList =
        List.of(
            new PodInfo(
                "edge",
                "ingress",
                uid,
                List.of(NODE_IP),
                "DaemonSet",
                "ingress",
                true,
                "node-a",
                List.of()),
            new PodInfo(
                "shop",
                "web",
                "uid-web",
                List.of(WEB_IP),
                "ReplicaSet",
                "web",
                false,
                "node-a",
                List.of()));
    PodDirectory pods = () -> podList;
    ClusterDirectory cluster =
        new ClusterDirectory() {
          @Override
          public Optional<String> nodeByIp(String ip) {
            return ip.equals(NODE_IP) ? Optional.of("node-a") : Optional.empty();
          }
        };
    CollectorContext context =
        new CollectorContext(
            RootPaths.host(),
            "node-a",
            TestFlags.DEFAULTS,
            pods,
            cluster,
            PodResources.NONE,
            Clock.systemUTC());
    try (var collector = new FlowsCollectorFactory().create(context)) {
      SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
      collector.collect(out);
      assertThat(out.partialFailures()).isEmpty();
      return out.build(Clock.systemUTC()).family(FlowsMetrics.BYTES);
    }
  }

  private static long value(
      MetricFamily family,
      String pod,
      String direction,
      String role,
      String port,
      String remotePod,
      String remoteKind) {
    List<Sample> matching =
        family.samples().stream()
            .filter(
                s -> {
                  List<String> l = s.labelValues();
                  return l.get(1).equals(pod)
                      && l.get(2).equals(direction)
                      && l.get(10).equals(role)
                      && l.get(9).equals(port)
                      && l.get(4).equals(remotePod)
                      && l.get(6).equals(remoteKind);
                })
            .toList();
    assertThat(matching)
        .as(
            "%s %s %s %s -> %s (%s) in %s",
            pod, direction, role, port, remotePod, remoteKind, family.samples())
        .hasSize(1);
    return (long) matching.get(0).value();
  }

  /** Original and reply bytes of the one TCP connection to the port, as conntrack prints them. */
  private long[] conntrackBytes(int port) throws Exception {
    String text =
        netns.output(
            "conntrack", "-L", "-o", "extended", "-p", "tcp", "--dport", Integer.toString(port));
    Matcher m =
        Pattern.compile(
                "dport=" + port + " packets=\\d+ bytes=(\\d+) .*? packets=\\d+ bytes=(\\d+)")
            .matcher(text);
    assertThat(m.find()).as(text).isTrue();
    long[] bytes = {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    assertThat(m.find()).as("one connection to port %d: %s", port, text).isFalse();
    return bytes;
  }

  private Process startIngress() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes =
        Path.of(
                HostNetworkProcess.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI())
            .toString();
    return new ProcessBuilder(
            "ip",
            "netns",
            "exec",
            netns.name(),
            java,
            "-Xmx32m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            classes,
            HostNetworkProcess.class.getName(),
            NODE_IP,
            "8080",
            NODE_IP,
            OUTSIDE_IP,
            "443",
            Integer.toString(BYTES))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
