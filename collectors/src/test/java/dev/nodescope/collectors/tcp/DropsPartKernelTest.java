package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.bpf.Btf;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.Shell;
import dev.nodescope.collectors.testing.TestNetns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The drop counter loaded into this kernel, against iptables' own counters: a "pod" network
 * namespace with DROP rules on INPUT (packets that arrive from a peer namespace over a veth pair)
 * and OUTPUT (packets its own sockets send), each hit a known number of times. The pod's
 * NETFILTER_DROP count must equal what the rules matched; the node's count, shared with whatever
 * else runs on this machine, must have grown by at least as much.
 */
class DropsPartKernelTest {
  private static final int RECEIVED = 17;
  private static final int SENT = 5;
  private static final PodInfo POD =
      new PodInfo(
          "drops-ns",
          "drops-pod",
          "uid-drops",
          List.of("192.0.2.1"),
          "Pod",
          "drops-pod",
          false,
          "node",
          List.of());

  @Test
  void netfilterDropsInAPodNamespaceCountForThatPodAndTheNode() throws Exception {
    requireKernelDrops();
    try (TestNetns pod = TestNetns.create("drops-pod");
        TestNetns peer = TestNetns.create("drops-peer")) {
      connect(pod, peer);
      pod.run("iptables -A INPUT -p udp --dport 9 -j DROP");
      pod.run("iptables -A OUTPUT -p udp --dport 10 -j DROP");
      long podNetns = inode(pod);

      AtomicReference<Map<Long, PodInfo>> pods = new AtomicReference<>(Map.of(podNetns, POD));
      List<String> ours;
      try (DropsPart drops = load(pods::get)) {
        ours = ourKernelObjects(ProcessHandle.current().pid());
        assertThat(ours).as("programs and maps this process loaded").isNotEmpty();
        double nodeBefore = nodeDrops(collect(drops), "NETFILTER_DROP");
        assertThat(podDrops(collect(drops), "NETFILTER_DROP")).isZero();

        peer.run(
            "bash -c 'for i in $(seq "
                + RECEIVED
                + "); do echo drop > /dev/udp/192.0.2.1/9; done'");
        pod.run(
            "bash -c 'for i in $(seq "
                + SENT
                + "); do echo drop 2>/dev/null > /dev/udp/192.0.2.2/10 || true; done'");
        long matched = matched(pod, "INPUT") + matched(pod, "OUTPUT");
        assertThat(matched).as("the rules matched what was sent").isEqualTo(RECEIVED + SENT);

        Eventually.await(
            "pod drops reach the rules' count",
            () -> podDrops(collect(drops), "NETFILTER_DROP") >= matched);
        List<Sample> after = collect(drops);
        assertThat(podDrops(after, "NETFILTER_DROP")).isEqualTo((double) matched);
        assertThat(nodeDrops(after, "NETFILTER_DROP") - nodeBefore)
            .isGreaterThanOrEqualTo((double) matched);
        assertThat(after)
            .as("normal frees are not drops, and every reason has its kernel name")
            .filteredOn(sample -> !sample.labelValues().isEmpty())
            .extracting(sample -> sample.labelValues().get(sample.labelValues().size() - 1))
            .contains("NETFILTER_DROP")
            .doesNotContain("NOT_DROPPED_YET", "CONSUMED", "UNKNOWN_0x0", "UNKNOWN_0x1");

        pods.set(Map.of()); // the pod goes; the kernel may give its namespace number to the next
        assertThat(podDrops(collect(drops), "NETFILTER_DROP")).isZero();
        pods.set(Map.of(podNetns, POD));
        assertThat(podDrops(collect(drops), "NETFILTER_DROP"))
            .as("the counts of a namespace that was no pod's were deleted")
            .isZero();
      }
      // the kernel frees a closed program and its maps after an RCU grace period
      Eventually.await("no program or map of ours left", () -> noneListed(ours));
    }
  }

  /**
   * Each client closes after its server's FIN arrived and before reading it: the kernel frees that
   * FIN with SKB_DROP_REASON_QUEUE_PURGE (6.6+) once per connection, which is a close, not a drop.
   */
  @Test
  void aSocketClosedWithItsPeersFinUnreadIsNotADrop() throws Exception {
    requireKernelDrops();
    try (TestNetns pod = TestNetns.create("drops-close");
        DropsPart drops = load(Map::of)) {
      pod.run("ip link set lo up");
      collect(drops);
      pod.run(
          "python3 -c '"
              + "import socket, threading, time\n"
              + "s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(64)\n"
              + "def serve():\n"
              + "    for _ in range(50):\n"
              + "        c, _ = s.accept(); c.sendall(b\"ok\"); c.close()\n"
              + "threading.Thread(target=serve).start()\n"
              + "for _ in range(50):\n"
              + "    c = socket.create_connection(s.getsockname()); c.recv(2); time.sleep(0.01); c.close()\n"
              + "'");
      assertThat(collect(drops))
          .filteredOn(sample -> !sample.labelValues().isEmpty())
          .extracting(sample -> sample.labelValues().get(sample.labelValues().size() - 1))
          .doesNotContain("QUEUE_PURGE");
    }
  }

  @Test
  void nothingStaysInTheKernelWhenTheHolderIsKilled() throws Exception {
    requireKernelDrops();
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                DropsHolder.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> held;
    try {
      assertThat(new String(holder.getInputStream().readNBytes(7), StandardCharsets.UTF_8))
          .isEqualTo("loaded\n");
      held = ourKernelObjects(holder.pid());
      assertThat(held).as("loaded by the holder").isNotEmpty();
    } finally {
      holder.destroyForcibly(); // SIGKILL: no close() runs
      holder.waitFor(10, TimeUnit.SECONDS);
    }
    Eventually.await("the kernel frees the killed holder's objects", () -> noneListed(held));
  }

  /** Loads the drop counter and waits, so that the test can kill it. */
  static final class DropsHolder {
    public static void main(String[] args) throws Exception {
      DropsPart drops = load(Map::of);
      System.out.print("loaded\n");
      System.out.flush();
      Thread.sleep(60_000);
      drops.close();
    }
  }

  static DropsPart load(DropsPart.PodsByNetNamespace pods) throws Exception {
    return DropsPart.load(TcpCollectorFactory.resource(DropsPart.OBJECT), Btf.KERNEL, pods);
  }

  static void requireKernelDrops() throws IOException {
    Capabilities.requireRoot();
    Capabilities.requireCommand("ip");
    Capabilities.requireCommand("iptables");
    Capabilities.requireCommand("bpftool");
    Capabilities.require(Files.isReadable(Btf.KERNEL), "kernel BTF at " + Btf.KERNEL);
    Capabilities.require(
        Btf.enumValues(Btf.KERNEL, DropReasons.ENUM).isPresent(),
        "kernel drop reasons (kernel 5.17+)");
  }

  /** A veth pair between the two namespaces, fixed MACs and neighbours, so no ARP queues drop. */
  private static void connect(TestNetns pod, TestNetns peer) throws Exception {
    pod.run("ip link set lo up");
    pod.run(
        "ip link add veth0 address 02:00:00:00:d0:01 type veth peer name veth1 netns "
            + peer.name());
    peer.run("ip link set veth1 address 02:00:00:00:d0:02");
    pod.run("ip addr add 192.0.2.1/24 dev veth0");
    peer.run("ip addr add 192.0.2.2/24 dev veth1");
    pod.run("ip link set veth0 up");
    peer.run("ip link set veth1 up");
    pod.run("ip neigh replace 192.0.2.2 lladdr 02:00:00:00:d0:02 dev veth0 nud permanent");
    peer.run("ip neigh replace 192.0.2.1 lladdr 02:00:00:00:d0:01 dev veth1 nud permanent");
  }

  private static long inode(TestNetns netns) throws IOException {
    return ((Number) Files.getAttribute(Path.of("/var/run/netns", netns.name()), "unix:ino"))
        .longValue();
  }

  /** Packets the chain's DROP rule matched, from `iptables -L -v -x -n`. */
  private static long matched(TestNetns netns, String chain) throws Exception {
    Matcher drop =
        Pattern.compile("^\\s*(\\d+)\\s+\\d+\\s+DROP\\s", Pattern.MULTILINE)
            .matcher(netns.output("iptables", "-L", chain, "-v", "-x", "-n"));
    assertThat(drop.find()).as("a DROP rule in " + chain).isTrue();
    return Long.parseLong(drop.group(1));
  }

  private static List<Sample> collect(DropsPart drops) {
    SnapshotBuilder out = new SnapshotBuilder("tcp", TcpMetrics.all());
    try {
      drops.collect(out);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    assertThat(out.partialFailures()).isEmpty();
    var snapshot = out.build(Clock.systemUTC());
    return Stream.of(TcpMetrics.PACKET_DROPS, TcpMetrics.POD_PACKET_DROPS)
        .map(snapshot::family)
        .flatMap(family -> family.samples().stream())
        .toList();
  }

  private static double nodeDrops(List<Sample> samples, String reason) {
    return value(samples, TcpMetrics.PACKET_DROPS, List.of(reason));
  }

  private static double podDrops(List<Sample> samples, String reason) {
    return value(samples, TcpMetrics.POD_PACKET_DROPS, List.of("drops-ns", "drops-pod", reason));
  }

  /** The series with these labels (0 when absent), told apart from others by its label count. */
  private static double value(List<Sample> samples, MetricDescriptor metric, List<String> labels) {
    assertThat(labels).hasSize(metric.labelNames().size());
    return samples.stream()
        .filter(sample -> sample.labelValues().equals(labels))
        .mapToDouble(Sample::value)
        .sum();
  }

  private static final Pattern OUR_NAMES =
      Pattern.compile("name (nodescope_drops|drops_by_reason|drops_by_netns|drops_uncounted)\\b");

  /**
   * The programs and maps of drops.bpf.c that one process holds ("prog 12", "map 34"): the ids in
   * its /proc fdinfo that the kernel's own listing (bpftool) names as ours. Only this process's
   * objects, so that another agent running on the machine does not count.
   */
  static List<String> ourKernelObjects(long pid) {
    try {
      List<String> ours = new java.util.ArrayList<>();
      String programs = Shell.output("bpftool", "prog", "show");
      String maps = Shell.output("bpftool", "map", "show");
      try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fdinfo"))) {
        for (Path fd : fds) {
          String info;
          try {
            info = Files.readString(fd);
          } catch (IOException closed) {
            continue;
          }
          if (info.contains("link_id:")) {
            continue;
          }
          Matcher program = Pattern.compile("(?m)^prog_id:\\s+(\\d+)").matcher(info);
          Matcher map = Pattern.compile("(?m)^map_id:\\s+(\\d+)").matcher(info);
          if (program.find() && ourLine(programs, program.group(1))) {
            ours.add("prog " + program.group(1));
          } else if (map.find() && ourLine(maps, map.group(1))) {
            ours.add("map " + map.group(1));
          }
        }
      }
      return ours;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean ourLine(String listing, String id) {
    Matcher line = Pattern.compile("(?m)^" + id + ": .*$").matcher(listing);
    return line.find() && OUR_NAMES.matcher(line.group()).find();
  }

  /** True when the kernel lists none of these objects any more. */
  static boolean noneListed(List<String> objects) {
    try {
      String programs = Shell.output("bpftool", "prog", "show");
      String maps = Shell.output("bpftool", "map", "show");
      return objects.stream()
          .noneMatch(
              object -> {
                String[] kindAndId = object.split(" ", -1);
                String listing = kindAndId[0].equals("prog") ? programs : maps;
                return Pattern.compile("(?m)^" + kindAndId[1] + ": ").matcher(listing).find();
              });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
