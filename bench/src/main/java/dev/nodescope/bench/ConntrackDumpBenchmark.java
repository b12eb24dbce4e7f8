package dev.nodescope.bench;

import dev.nodescope.collectors.conntrack.ConntrackClient;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import dev.nodescope.collectors.kubernetes.KubeObjects;
import dev.nodescope.collectors.kubernetes.KubernetesMetadata;
import dev.nodescope.collectors.netlink.Addresses;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.NetworkNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The flows collector's work per interval (ctnetlink dump of IPv4 and IPv6, aggregation, export) on
 * a table of {@code entries} UDP connections, side by side with {@code conntrack -L -o extended >
 * /dev/null} on the same table in the same run, rounds interleaved. Run by
 * bench/conntrack-dump-vs-conntrack-tool.sh, which makes the namespace.
 *
 * <p>Every end of every entry is a pod known from an API server (the fake one of the collectors'
 * tests, watched through the agent's own informers), with a Service and EndpointSlices, so each
 * entry is attributed as on a node of a cluster. Three shapes of table: {@code few} (every client
 * to one port of one server: few series), {@code distinct} (every entry its own server port and so
 * its own pod peer, far past the series cap) and {@code mix} (half each).
 *
 * <p>Usage: {@code ConntrackDumpBenchmark NETNS SHAPE ENTRIES ROUNDS CPU_WINDOW_SECONDS}
 */
public final class ConntrackDumpBenchmark {
  private static final String NODE = "bench-node";
  private static final String NAMESPACE = "bench";
  private static final String[] CLIENTS = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
  private static final String[] SERVERS = {"192.0.2.20", "192.0.2.21", "192.0.2.22"};
  private static final String CLUSTER_IP = "198.51.100.53";
  private static final int FEW_KEYS_PORT = 53;
  private static final int FIRST_SOURCE_PORT = 10000;
  private static final int FIRST_SERVER_PORT = 1024;
  private static final int SERVER_PORTS = 60000;

  private ConntrackDumpBenchmark() {}

  public static void main(String[] args) throws Exception {
    String netns = args[0];
    String shape = args[1];
    int entries = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int cpuWindowSeconds = Integer.parseInt(args[4]);
    ExecutorService inNamespace =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread =
                  new Thread(
                      () -> {
                        try {
                          NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + netns);
                        } catch (java.io.IOException e) {
                          throw new java.io.UncheckedIOException(e);
                        }
                        task.run();
                      },
                      "bench-netns");
              thread.setDaemon(true);
              return thread;
            });
    Path kubeconfigDir = Files.createTempDirectory("nodescope-bench");
    try (FakeApiServer api = new FakeApiServer()) {
      putCluster(api);
      try (KubernetesMetadata metadata =
          KubernetesMetadata.connect(api.writeKubeconfig(kubeconfigDir), Map.of(), NODE)
              .orElseThrow()) {
        ClusterDirectory cluster = metadata.startClusterDirectory(true);
        Eventually.await(
            "pods, Service and endpoints known",
            () ->
                metadata.pods().pods().size() == CLIENTS.length + SERVERS.length
                    && cluster.serviceByClusterIp(CLUSTER_IP).isPresent()
                    && cluster.podByIp(SERVERS[SERVERS.length - 1]).isPresent());
        run(
            inNamespace,
            netns,
            shape,
            entries,
            rounds,
            cpuWindowSeconds,
            context(metadata, cluster));
      }
    } finally {
      inNamespace.shutdownNow();
      try (var files = Files.list(kubeconfigDir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(kubeconfigDir);
    }
  }

  private static void run(
      ExecutorService ns,
      String netns,
      String shape,
      int entries,
      int rounds,
      int cpuWindowSeconds,
      CollectorContext context)
      throws Exception {
    long filled = System.nanoTime();
    switch (shape) {
      case "few" -> in(ns, () -> fillFewKeys(entries, 0));
      case "distinct" -> in(ns, () -> fillDistinctKeys(entries));
      case "mix" -> {
        in(ns, () -> fillFewKeys(entries / 2, 0));
        in(ns, () -> fillDistinctKeys(entries - entries / 2));
      }
      default -> throw new IllegalArgumentException("shape is few, distinct or mix: " + shape);
    }
    long count =
        Long.parseLong(
            new String(
                    new ProcessBuilder("ip", "netns", "exec", netns, "conntrack", "-C")
                        .start()
                        .getInputStream()
                        .readAllBytes(),
                    StandardCharsets.US_ASCII)
                .trim());
    System.out.printf(
        Locale.ROOT,
        "table: %d entries (conntrack -C) after %.1f s of filling%n",
        count,
        (System.nanoTime() - filled) / 1e9);
    if (count < entries) {
      throw new IllegalStateException("table holds " + count + " entries, wanted " + entries);
    }
    Collector collector = in(ns, () -> new FlowsCollectorFactory().create(context));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ConntrackClient client = in(ns, ConntrackClient::open);
    List<Double> dumpMs = new ArrayList<>();
    List<Double> agentMs = new ArrayList<>();
    List<Double> peerMs = new ArrayList<>();
    List<Double> peerCpuMs = new ArrayList<>();
    List<Double> allocatedPerEntry = new ArrayList<>();
    int warmup = 5;
    for (int round = 0; round < warmup + rounds; round++) {
      double[] agent =
          in(
              ns,
              () -> {
                long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                long start = System.nanoTime();
                collector.collect(
                    new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors()));
                long elapsed = System.nanoTime() - start;
                return new double[] {
                  elapsed / 1e6, (threads.getCurrentThreadAllocatedBytes() - allocatedBefore)
                };
              });
      double dump =
          in(
              ns,
              () -> {
                long start = System.nanoTime();
                long[] seen = new long[1];
                client.dump(Addresses.AF_INET, 60_000, e -> seen[0]++);
                client.dump(Addresses.AF_INET6, 60_000, e -> seen[0]++);
                return (System.nanoTime() - start) / 1e6;
              });
      double[] peer = conntrackTool(netns);
      if (round >= warmup) {
        dumpMs.add(dump);
        agentMs.add(agent[0]);
        allocatedPerEntry.add(agent[1] / count);
        peerMs.add(peer[0]);
        peerCpuMs.add(peer[1]);
      }
    }
    double agentCpuPerMinute = in(ns, () -> cpuPerMinute(collector, cpuWindowSeconds));
    double peerCpuPerMinute = median(peerCpuMs) / 1000 * 60.0 / 10;
    collector.close();
    client.close();

    System.out.printf(
        Locale.ROOT,
        "%n| %s keys: measure (%d entries, %d rounds after %d warm-up) | agent | conntrack -L | "
            + "ratio |%n|---|---|---|---|%n",
        shape,
        count,
        rounds,
        warmup);
    row("wall per collection, median (ms)", median(agentMs), median(peerMs));
    row(
        "of which the dump alone (decoded, not aggregated), median (ms)",
        median(dumpMs),
        median(peerMs));
    row(
        "wall per collection, min (ms)",
        agentMs.stream().mapToDouble(d -> d).min().orElseThrow(),
        peerMs.stream().mapToDouble(d -> d).min().orElseThrow());
    row(
        "wall per collection, max (ms)",
        agentMs.stream().mapToDouble(d -> d).max().orElseThrow(),
        peerMs.stream().mapToDouble(d -> d).max().orElseThrow());
    System.out.printf(
        Locale.ROOT,
        "| CPU s per minute at a 10 s interval | %.2f | %.2f | %.2f |%n",
        agentCpuPerMinute,
        peerCpuPerMinute,
        agentCpuPerMinute / peerCpuPerMinute);
    System.out.printf(
        Locale.ROOT,
        "| bytes allocated per entry per collection, median | %.0f | | |%n",
        median(allocatedPerEntry));
  }

  /**
   * Few keys: the clients each send one datagram from consecutive source ports to one port of the
   * first server, as resolver traffic does. Bounded by {@code entries}.
   */
  private static Void fillFewKeys(int entries, int sourcePortOffset) throws Exception {
    byte[] payload = new byte[64];
    InetSocketAddress server = new InetSocketAddress(SERVERS[0], FEW_KEYS_PORT);
    for (int i = 0; i < entries; i++) {
      String client = CLIENTS[i % CLIENTS.length];
      int port = FIRST_SOURCE_PORT + sourcePortOffset + i / CLIENTS.length;
      try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(client, port))) {
        socket.send(new DatagramPacket(payload, payload.length, server));
      }
    }
    return null;
  }

  /**
   * All-distinct keys: one socket of the first client sends one datagram to each port of each
   * server in turn, so every entry is a pod peer of its own on both ends. Bounded by {@code
   * entries} (at most {@value #SERVER_PORTS} ports per server).
   */
  private static Void fillDistinctKeys(int entries) throws Exception {
    if (entries > SERVER_PORTS * SERVERS.length) {
      throw new IllegalArgumentException("at most " + SERVER_PORTS * SERVERS.length + " entries");
    }
    byte[] payload = new byte[64];
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(CLIENTS[0], 9999))) {
      for (int i = 0; i < entries; i++) {
        InetSocketAddress server =
            new InetSocketAddress(SERVERS[i / SERVER_PORTS], FIRST_SERVER_PORT + i % SERVER_PORTS);
        socket.send(new DatagramPacket(payload, payload.length, server));
      }
    }
    return null;
  }

  /**
   * Process CPU (all threads: collector, event listener, GC, JIT) while collecting every 10 s for
   * the window.
   */
  private static double cpuPerMinute(Collector collector, int windowSeconds) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long start = System.nanoTime();
    for (int i = 0; i < windowSeconds / 10; i++) {
      collector.collect(new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors()));
      long next = start + TimeUnit.SECONDS.toNanos(10L * (i + 1));
      Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return (os.getProcessCpuTime() - cpuBefore) / 1e9 * 60 / seconds;
  }

  /** {wall ms, user+sys CPU ms} of one `conntrack -L -o extended > /dev/null` in the namespace. */
  private static double[] conntrackTool(String netns) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "TIMEFORMAT='%3U %3S'; time (ip netns exec "
                    + netns
                    + " conntrack -L -o extended > /dev/null 2>&1)")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long start = System.nanoTime();
    String times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("conntrack -L failed: " + times);
    }
    double wall = (System.nanoTime() - start) / 1e6;
    String[] userSys = times.split("\\s+", -1);
    return new double[] {
      wall, (Double.parseDouble(userSys[0]) + Double.parseDouble(userSys[1])) * 1000
    };
  }

  /**
   * This node with its zone, the pods at both ends, and a Service whose endpoints are the servers.
   */
  private static void putCluster(FakeApiServer api) {
    api.put(KubeObjects.node(NODE, "zone-a", "203.0.113.1"));
    List<String[]> endpoints = new ArrayList<>();
    for (int i = 0; i < CLIENTS.length; i++) {
      api.put(pod("client-" + i, CLIENTS[i], "client"));
    }
    for (int i = 0; i < SERVERS.length; i++) {
      api.put(pod("resolver-" + i, SERVERS[i], "resolver"));
      endpoints.add(new String[] {"resolver-" + i, SERVERS[i], NODE});
    }
    api.put(KubeObjects.service(NAMESPACE, "resolver", CLUSTER_IP));
    api.put(KubeObjects.slice(NAMESPACE, "resolver-x1", endpoints.toArray(String[][]::new)));
  }

  private static Pod pod(String name, String ip, String deployment) {
    return KubeObjects.deploymentPod(NAMESPACE, name, "uid-" + name, NODE, ip, deployment, "abc12")
        .build();
  }

  /** As deployed: the agent's defaults for every flag, this node's pods and the cluster. */
  private static CollectorContext context(KubernetesMetadata metadata, ClusterDirectory cluster) {
    FlagValues defaults =
        new FlagValues() {
          @Override
          public <T> T get(Flag<T> flag) {
            return flag.defaultValue();
          }
        };
    return new CollectorContext(
        RootPaths.host(),
        NODE,
        defaults,
        metadata.pods(),
        cluster,
        PodResources.NONE,
        Clock.systemUTC());
  }

  private static <T> T in(ExecutorService ns, Callable<T> task) throws Exception {
    return ns.submit(task).get(10, TimeUnit.MINUTES);
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  static void row(String measure, double agent, double peer) {
    System.out.printf(
        Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", measure, agent, peer, agent / peer);
  }
}
