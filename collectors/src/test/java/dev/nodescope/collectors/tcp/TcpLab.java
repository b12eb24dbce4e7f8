package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Two pod-like network namespaces joined by a veth pair (client 192.0.2.1, server 192.0.2.2), and a
 * cgroup v2 directory of the test's own that the sock_ops program is attached to: only the commands
 * the test runs in that cgroup are measured, not the rest of the machine. Everything is removed on
 * close, even when the test fails.
 */
final class TcpLab implements AutoCloseable {
  static final String CLIENT_IP = "192.0.2.1";
  static final String SERVER_IP = "192.0.2.2";
  static final String NAMESPACE = "tcp-test";
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  final TestNetns client;
  final TestNetns server;
  final Path cgroup;

  /** The client's end of the veth pair (the server's ends in "s" instead of "c"). */
  final String clientVeth;

  private final List<Process> started = new ArrayList<>();

  private TcpLab(TestNetns client, TestNetns server, Path cgroup, String clientVeth) {
    this.client = client;
    this.server = server;
    this.cgroup = cgroup;
    this.clientVeth = clientVeth;
  }

  static TcpLab create(String purpose) throws Exception {
    Capabilities.requireRoot();
    Capabilities.require(
        Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF (/sys/kernel/btf/vmlinux)");
    Capabilities.requireCommand("iptables");
    Path unified = Path.of("/sys/fs/cgroup/unified");
    Path root =
        Files.exists(unified.resolve("cgroup.controllers")) ? unified : Path.of("/sys/fs/cgroup");
    Capabilities.require(Files.exists(root.resolve("cgroup.controllers")), "a cgroup v2 hierarchy");
    TestNetns client = TestNetns.create("tcp-" + purpose + "c");
    TestNetns server = null;
    Path cgroup = root.resolve("tcp-" + purpose + "-" + ProcessHandle.current().pid());
    try {
      server = TestNetns.create("tcp-" + purpose + "s");
      Files.createDirectories(cgroup);
      String veth = "tcp" + purpose + ProcessHandle.current().pid() % 100000;
      TcpLab lab = new TcpLab(client, server, cgroup, veth + "c");
      client.run("ip link add name " + veth + "c type veth peer name " + veth + "s");
      client.run("ip link set " + veth + "s netns " + server.name());
      client.run("ip addr add " + CLIENT_IP + "/24 dev " + veth + "c");
      server.run("ip addr add " + SERVER_IP + "/24 dev " + veth + "s");
      client.run("ip link set " + veth + "c up");
      server.run("ip link set " + veth + "s up");
      client.run("ip link set lo up");
      server.run("ip link set lo up");
      return lab;
    } catch (Exception | AssertionError e) {
      client.close();
      if (server != null) {
        server.close();
      }
      Files.deleteIfExists(cgroup);
      throw e;
    }
  }

  /** A command line that runs in the lab's cgroup and the namespace. */
  private String inCgroup(TestNetns netns, String command) {
    return "echo $$ > "
        + cgroup.resolve("cgroup.procs")
        + " && exec ip netns exec "
        + netns.name()
        + " "
        + command;
  }

  /** Runs a command in the cgroup and namespace to its end (at most the given seconds). */
  void run(TestNetns netns, String command, long seconds) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", inCgroup(netns, command)).inheritIO().start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("did not end in " + seconds + "s: " + command);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("exit " + p.exitValue() + ": " + command);
    }
  }

  /** Starts a command in the cgroup and namespace; it is killed on close. */
  Process start(TestNetns netns, String command) throws Exception {
    Process p =
        new ProcessBuilder("bash", "-c", inCgroup(netns, command))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    started.add(p);
    return p;
  }

  /** A counter of the namespace's /proc/net/snmp (table "Tcp") or /proc/net/netstat ("TcpExt"). */
  static long kernelCounter(TestNetns netns, String table, String field) throws Exception {
    String file = table.equals("TcpExt") ? "/proc/net/netstat" : "/proc/net/snmp";
    String[] lines = netns.output("cat", file).lines().toArray(String[]::new);
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith(table + ":") && lines[i + 1].startsWith(table + ":")) {
        String[] names = WHITESPACE.split(lines[i], -1);
        String[] values = WHITESPACE.split(lines[i + 1], -1);
        for (int j = 1; j < names.length; j++) {
          if (names[j].equals(field)) {
            return Long.parseLong(values[j]);
          }
        }
      }
    }
    throw new IllegalStateException(table + " " + field + " not in " + file);
  }

  /** The tcp collector on the lab's cgroup, with the two namespaces as pods of this node. */
  Collector collector(Map<Flag<?>, Object> flags) throws Exception {
    Map<Flag<?>, Object> all = new HashMap<>(flags);
    all.put(TcpCollectorFactory.CGROUP, cgroup.toString());
    List<PodInfo> pods = List.of(pod("client", CLIENT_IP), pod("server", SERVER_IP));
    CollectorContext context =
        new CollectorContext(
            RootPaths.host(),
            "node-a",
            TestFlags.with(all),
            () -> pods,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    return new TcpCollectorFactory().create(context);
  }

  static Snapshot collect(Collector collector) throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("tcp", TcpMetrics.all());
    collector.collect(out);
    if (!out.partialFailures().isEmpty()) {
      throw new AssertionError("partial failures: " + out.partialFailures());
    }
    return out.build(Clock.systemUTC());
  }

  /** The sum of a metric's series whose labels have the given values (name=value pairs). */
  static double sum(Snapshot snapshot, MetricDescriptor metric, String... labelValues) {
    double sum = 0;
    for (Sample sample : snapshot.family(metric).samples()) {
      if (matches(metric, sample, labelValues)) {
        sum += sample.value();
      }
    }
    return sum;
  }

  static boolean matches(MetricDescriptor metric, Sample sample, String... labelValues) {
    for (int i = 0; i < labelValues.length; i += 2) {
      int index = metric.labelNames().indexOf(labelValues[i]);
      if (!sample.labelValues().get(index).equals(labelValues[i + 1])) {
        return false;
      }
    }
    return true;
  }

  private static PodInfo pod(String name, String ip) {
    return new PodInfo(
        NAMESPACE, name, "uid-" + name, List.of(ip), "Pod", name, false, "node-a", List.of());
  }

  @Override
  public void close() throws Exception {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    try {
      client.close();
      server.close();
    } finally {
      for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
        try {
          Files.delete(cgroup);
        } catch (java.io.IOException busy) {
          Thread.sleep(100);
        }
      }
    }
  }
}
