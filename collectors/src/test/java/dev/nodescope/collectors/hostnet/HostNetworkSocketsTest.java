package dev.nodescope.collectors.hostnet;

import static dev.nodescope.collectors.flows.FlowSeries.label;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.conntrack.ConntrackEntry;
import dev.nodescope.collectors.conntrack.ConntrackTuple;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.flows.FlowAggregator;
import dev.nodescope.collectors.flows.FlowSeries;
import dev.nodescope.collectors.netlink.Addresses;
import dev.nodescope.collectors.netlink.LocalSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hostNetwork attribution over a fixture /proc tree: socket tables in the kernel's text format
 * (written here as little-endian words, as on x86 and arm64, and turned into this machine's order),
 * processes with cgroup files and fd links. Node IP 192.0.2.50 is shared by the hostNetwork pod
 * "ingress" (process 100), the kubelet (process 200), and nobody (a closed socket).
 */
class HostNetworkSocketsTest {
  static final String INGRESS_UID = "0a0b0c0d-0000-4000-8000-000000000001";
  static final String WEB_UID = "0a0b0c0d-0000-4000-8000-000000000002";
  static final byte[] NODE = {(byte) 192, 0, 2, 50};
  static final byte[] WEB = {(byte) 192, 0, 2, 10};
  static final byte[] OUTSIDE = {(byte) 198, 51, 100, 9};
  static final byte[] UPSTREAM = {(byte) 203, 0, 113, 7};
  static final String TCP_HEADER =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
          + "  timeout inode\n";

  @TempDir Path proc;
  FlowAggregator agg;
  final List<PodInfo> podList =
      new ArrayList<>(
          List.of(
              new PodInfo(
                  "edge",
                  "ingress",
                  INGRESS_UID,
                  List.of("192.0.2.50"),
                  "DaemonSet",
                  "ingress",
                  true,
                  "node-a",
                  List.of()),
              new PodInfo(
                  "shop",
                  "web",
                  WEB_UID,
                  List.of("192.0.2.10"),
                  "ReplicaSet",
                  "web",
                  false,
                  "node-a",
                  List.of())));
  final PodDirectory pods = () -> podList;
  final ClusterDirectory cluster =
      new ClusterDirectory() {
        @Override
        public Optional<String> nodeByIp(String ip) {
          return ip.equals("192.0.2.50") ? Optional.of("node-a") : Optional.empty();
        }
      };

  @BeforeEach
  void fixture() throws IOException {
    write(
        "net/tcp",
        TCP_HEADER
            // ingress listens on *:8080 and has accepted 198.51.100.9:40000; it connects to
            // 203.0.113.7:443
            + "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1\n"
            + "   1: 320200C0:1F90 096433C6:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1002 1\n"
            + "   2: 320200C0:AFC8 077100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 1003 1\n"
            // the kubelet on 192.0.2.50:10250, and a connection in TIME_WAIT that no process holds
            // any more
            + "   3: 320200C0:280A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1\n"
            + "   4: 320200C0:B3B0 077100CB:01BB 06 00000000:00000000 00:00000000 00000000     0        0 0 1\n");
    // ingress also listens on [::ffff:192.0.2.50]:9090, an IPv4 address through an IPv6 socket
    write(
        "net/tcp6",
        TCP_HEADER
            + "   0: 0000000000000000FFFF0000320200C0:2382 00000000000000000000000000000000:0000 0A 00000000:00000000"
            + " 00:00000000 00000000     0        0 1005 1\n");
    write(
        "net/udp",
        TCP_HEADER
            + "  10: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1004 2 0\n");
    process(
        100,
        "12:pids:/kubepods/besteffort/pod"
            + INGRESS_UID
            + "/"
            + "ab".repeat(32)
            + "\n"
            + "4:memory:/kubepods/besteffort/pod"
            + INGRESS_UID
            + "/"
            + "ab".repeat(32)
            + "\n",
        1001,
        1002,
        1003,
        1004,
        1005);
    process(200, "1:name=systemd:/system.slice/kubelet.service\n", 2001);
    // web has its own network namespace: its descriptors are never read, whatever inode numbers
    // they hold
    process(300, "0::/kubepods.slice/kubepods-pod" + WEB_UID.replace('-', '_') + ".slice\n", 1003);
  }

  @Test
  void attributesEachConnectionOfTheNodeIpToTheProcessThatOwnsIt() throws IOException {
    agg =
        new FlowAggregator(
            "node-a", HostNetworkSockets.fromProcfs(paths()), SeriesAdmission.unlimited());
    collect(
        List.of(
            tcp(1, OUTSIDE, 40000, NODE, 8080, 1000, 5000), // accepted by ingress
            tcp(2, NODE, 45000, UPSTREAM, 443, 300, 7000), // ingress as a client
            tcp(3, WEB, 41000, NODE, 10250, 200, 900), // web to the kubelet
            tcp(
                4, WEB, 42000, NODE, 8080, 400,
                800), // web to ingress: no accepted socket listed, its listener is
            tcp(5, NODE, 46000, UPSTREAM, 443, 111, 222), // closed: only a TIME_WAIT socket is left
            tcp(6, OUTSIDE, 40001, NODE, 9090, 50, 60),
            entry(7, 17, OUTSIDE, 5353, NODE, 53, 70, 140)),
        List.of(),
        pods,
        cluster);

    assertThat(bytes("ingress", "rx", "", "", "external", "tcp", "8080", "server")).isEqualTo(1000);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "8080", "server")).isEqualTo(5000);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(300);
    assertThat(bytes("ingress", "rx", "", "", "external", "tcp", "9090", "server")).isEqualTo(50);
    assertThat(bytes("ingress", "rx", "", "", "external", "udp", "53", "server")).isEqualTo(70);
    // web to ingress, from both sides
    assertThat(bytes("web", "tx", "edge", "ingress", "pod", "tcp", "8080", "client"))
        .isEqualTo(400);
    assertThat(bytes("ingress", "rx", "shop", "web", "pod", "tcp", "8080", "server"))
        .isEqualTo(400);
    // the kubelet and the closed connection stay the node's: no pod of theirs, the node as web's
    // peer
    assertThat(bytes("web", "tx", "", "", "node", "tcp", "10250", "client")).isEqualTo(200);
    assertThat(agg.series().keySet())
        .noneMatch(k -> label(k, "port").equals("10250") && label(k, "pod").equals("ingress"));
    assertThat(agg.series().entrySet())
        .noneMatch(
            e ->
                label(e.getKey(), "pod").equals("ingress")
                    && label(e.getKey(), "role").equals("client")
                    && e.getValue().bytes() == 111);
    long ingressTx =
        agg.series().entrySet().stream()
            .filter(
                e ->
                    label(e.getKey(), "pod").equals("ingress")
                        && label(e.getKey(), "direction").equals("tx"))
            .mapToLong(e -> e.getValue().bytes())
            .sum();
    assertThat(ingressTx).isEqualTo(5000 + 300 + 800 + 60 + 140);
  }

  @Test
  void ownersStayCachedWhileTheSocketLivesAndAreForgottenWithIt() throws IOException {
    agg =
        new FlowAggregator(
            "node-a", HostNetworkSockets.fromProcfs(paths()), SeriesAdmission.unlimited());
    collect(List.of(tcp(2, NODE, 45000, UPSTREAM, 443, 300, 7000)), List.of(), pods, cluster);
    // The process leaves the pod's cgroup: the socket's owner is cached and no scan is needed for
    // it.
    write("100/cgroup", "1:name=systemd:/user.slice\n");
    collect(List.of(tcp(2, NODE, 45000, UPSTREAM, 443, 500, 9000)), List.of(), pods, cluster);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(500);
    // The socket closes and its inode is reused by a connection of the same ends: the cache forgot
    // it, the new
    // owner (outside any pod) is read again, and the traffic stays the node's.
    write("net/tcp", TCP_HEADER);
    collect(List.of(), List.of(), pods, cluster);
    write(
        "net/tcp",
        TCP_HEADER
            + "   0: 320200C0:AFC8 077100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 1003 1\n");
    collect(List.of(tcp(8, NODE, 45000, UPSTREAM, 443, 40, 50)), List.of(), pods, cluster);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(500);
  }

  @Test
  void aConnectionThatClosesAfterItWasAttributedKeepsItsPodForItsFinalCounters()
      throws IOException {
    agg =
        new FlowAggregator(
            "node-a", HostNetworkSockets.fromProcfs(paths()), SeriesAdmission.unlimited());
    collect(List.of(tcp(2, NODE, 45000, UPSTREAM, 443, 300, 7000)), List.of(), pods, cluster);
    write(
        "net/tcp", TCP_HEADER); // the socket is closed; the DESTROY event brings the final counters
    ConntrackEntry last = tcp(2, NODE, 45000, UPSTREAM, 443, 340, 7100);
    ConntrackEntry destroyed =
        new ConntrackEntry(
            ConntrackEntry.Event.DESTROY,
            last.family(),
            last.original(),
            last.reply(),
            1,
            340,
            1,
            7100,
            0,
            7,
            0,
            0,
            2);
    collect(List.of(), List.of(destroyed), pods, cluster);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(340);
    assertThat(bytes("ingress", "rx", "", "", "external", "tcp", "443", "client")).isEqualTo(7100);
    // Never attributed while open: the same ends now stay the node's.
    collect(List.of(), List.of(), pods, cluster);
    collect(List.of(tcp(3, NODE, 45000, UPSTREAM, 443, 10, 10)), List.of(), pods, cluster);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(340);
  }

  @Test
  void nothingIsReadWithoutAHostNetworkPod() throws IOException {
    podList.removeIf(PodInfo::hostNetwork);
    write("net/tcp", "garbage that would be reported if it were read\nx\n");
    HostNetworkSockets sockets = HostNetworkSockets.fromProcfs(paths());
    agg = new FlowAggregator("node-a", sockets, SeriesAdmission.unlimited());
    collect(List.of(tcp(1, OUTSIDE, 40000, NODE, 8080, 1000, 5000)), List.of(), pods, cluster);
    assertThat(agg.series()).isEmpty();
    assertThat(sockets.drainProblems()).isEmpty();
  }

  @Test
  void malformedSocketTablesAreReportedAndTheRestIsKept() throws IOException {
    write(
        "net/tcp",
        TCP_HEADER
            + "   0: 320200C0:1F90 nonsense\n"
            + "   1: 320200C0:AFC8 077100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 1003 1\n");
    HostNetworkSockets sockets = HostNetworkSockets.fromProcfs(paths());
    agg = new FlowAggregator("node-a", sockets, SeriesAdmission.unlimited());
    collect(List.of(tcp(2, NODE, 45000, UPSTREAM, 443, 300, 7000)), List.of(), pods, cluster);
    assertThat(bytes("ingress", "tx", "", "", "external", "tcp", "443", "client")).isEqualTo(300);
    assertThat(sockets.drainProblems())
        .singleElement()
        .asString()
        .contains("malformed lines")
        .contains("net/tcp");
  }

  @Test
  void parsesTheKernelsWordOrder() throws Exception {
    var parsed =
        ProcNetSockets.parse(
            inHostOrder(
                TCP_HEADER
                    + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18935 1\n"),
            6);
    assertThat(parsed.sockets())
        .containsExactly(
            new LocalSocket(6, InetAddress.getLoopbackAddress(), 8080, null, 0, 18935));
  }

  private RootPaths paths() {
    return new RootPaths(proc, proc.resolve("sys"), proc);
  }

  private long bytes(
      String pod,
      String direction,
      String remoteNamespace,
      String remotePod,
      String kind,
      String protocol,
      String port,
      String role) {
    String namespace = pod.equals("web") ? "shop" : "edge";
    String locality = kind.equals("external") ? "external" : "same-node";
    FlowAggregator.FlowTotals totals =
        FlowSeries.find(
            agg,
            namespace,
            pod,
            direction,
            remoteNamespace,
            remotePod,
            "",
            kind,
            locality,
            protocol,
            port,
            role);
    return totals == null ? -1 : totals.bytes();
  }

  static ConntrackEntry tcp(
      long id,
      byte[] client,
      int clientPort,
      byte[] server,
      int serverPort,
      long sent,
      long answered) {
    return entry(id, 6, client, clientPort, server, serverPort, sent, answered);
  }

  static ConntrackEntry entry(
      long id,
      int protocol,
      byte[] client,
      int clientPort,
      byte[] server,
      int serverPort,
      long sent,
      long answered) {
    return new ConntrackEntry(
        ConntrackEntry.Event.DUMP,
        Addresses.AF_INET,
        new ConntrackTuple(client, server, protocol, clientPort, serverPort),
        new ConntrackTuple(server, client, protocol, serverPort, clientPort),
        1,
        sent,
        1,
        answered,
        0,
        3,
        0,
        0,
        id);
  }

  private void process(int pid, String cgroup, long... socketInodes) throws IOException {
    write(pid + "/cgroup", cgroup);
    Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
    Files.createSymbolicLink(fd.resolve("0"), Path.of("/dev/null"));
    for (int i = 0; i < socketInodes.length; i++) {
      Files.createSymbolicLink(
          fd.resolve(Integer.toString(i + 3)), Path.of("socket:[" + socketInodes[i] + "]"));
    }
  }

  private void collect(
      List<ConntrackEntry> dump,
      List<ConntrackEntry> events,
      PodDirectory pods,
      ClusterDirectory cluster)
      throws IOException {
    agg.collect(dump::forEach, () -> events, pods, cluster);
  }

  private void write(String relative, String text) throws IOException {
    Files.createDirectories(proc.resolve(relative).getParent());
    Files.writeString(
        proc.resolve(relative), relative.startsWith("net/") ? inHostOrder(text) : text);
  }

  /**
   * The kernel prints each 32-bit word of an address in the host's byte order; the fixtures are
   * little-endian.
   */
  private static String inHostOrder(String littleEndianTable) {
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      return littleEndianTable;
    }
    return Pattern.compile("\\b([0-9A-F]{8}(?:[0-9A-F]{24})?):([0-9A-F]{4})\\b")
        .matcher(littleEndianTable)
        .replaceAll(
            address -> {
              StringBuilder swapped = new StringBuilder();
              for (int word = 0; word < address.group(1).length(); word += 8) {
                String w = address.group(1).substring(word, word + 8);
                swapped.append(w, 6, 8).append(w, 4, 6).append(w, 2, 4).append(w, 0, 2);
              }
              return swapped + ":" + address.group(2);
            });
  }
}
