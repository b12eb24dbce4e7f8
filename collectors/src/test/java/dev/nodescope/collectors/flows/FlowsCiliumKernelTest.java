package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfMapInfo;
import dev.nodescope.collectors.conntrack.CiliumCtFixtures;
import dev.nodescope.collectors.conntrack.CiliumCtLayout;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.CapturedLogs;
import dev.nodescope.collectors.testing.TestBpfFs;
import dev.nodescope.collectors.testing.TestFlags;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flows collector on real eBPF maps with Cilium's names, types and sizes, pinned in a BPF
 * filesystem the test mounts and filled as Cilium's datapath fills them: every exported value is
 * checked against what was written, then against entries removed and counters changed.
 */
class FlowsCiliumKernelTest {
  private static final String TCP4 = "cilium_ct4_global";
  private static final String ANY4 = "cilium_ct_any4_global";
  private static final String TCP6 = "cilium_ct6_global";
  private static final String ANY6 = "cilium_ct_any6_global";
  private static final String REV_NAT4 = "cilium_lb4_reverse_nat";
  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int OUT = 0;
  private static final int IN = 1;
  private static final int SERVICE = 4;
  private static final int WEB_REV_NAT = 7;

  private final Map<String, BpfMap> maps = new HashMap<>();
  private final CapturedLogs logs =
      CapturedLogs.of("dev.nodescope.collectors.conntrack.CiliumConntrackSource");
  private TestBpfFs bpffs;

  @BeforeEach
  void mountAndCreateMaps() throws Exception {
    Capabilities.requireRoot();
    bpffs = TestBpfFs.mount("cilium");
    create(TCP4, 14, 56);
    create(ANY4, 14, 56);
    create(TCP6, 38, 56);
    create(ANY6, 38, 56);
    create(REV_NAT4, 2, 6);
  }

  @AfterEach
  void cleanUp() throws Exception {
    logs.close();
    maps.values().forEach(BpfMap::close);
    if (bpffs != null) {
      bpffs.close();
    }
  }

  private void create(String name, int keyBytes, int valueBytes) throws Exception {
    int type = name.contains("reverse_nat") ? BpfMapInfo.TYPE_HASH : BpfMapInfo.TYPE_LRU_HASH;
    BpfMap map = BpfMap.create(type, name, keyBytes, valueBytes, 4096, 0);
    map.pin(bpffs.root().resolve(name));
    maps.put(name, map);
  }

  private static PodInfo pod(String name, String ip) {
    return new PodInfo(
        "ns", name, "uid-" + name, List.of(ip), "ReplicaSet", name, false, "node-a", List.of());
  }

  private static final ClusterDirectory CLUSTER =
      new ClusterDirectory() {
        @Override
        public Optional<ServiceRef> serviceByClusterIp(String ip) {
          return ip.equals("203.0.113.100")
              ? Optional.of(new ServiceRef("ns", "web"))
              : Optional.empty();
        }
      };

  private Collector collector(CiliumCtLayout layout) throws Exception {
    PodDirectory pods =
        () ->
            List.of(
                pod("client", "192.0.2.10"),
                pod("server", "192.0.2.20"),
                pod("v6", "2001:db8::10"));
    Map<Flag<?>, Object> flags = new HashMap<>();
    flags.put(FlowsCollectorFactory.CILIUM_DIRECTORY, bpffs.root());
    flags.put(FlowsCollectorFactory.CILIUM_VERSION, layout.version());
    return new FlowsCollectorFactory()
        .create(
            new CollectorContext(
                RootPaths.host(),
                "node-a",
                TestFlags.with(flags),
                pods,
                CLUSTER,
                PodResources.NONE,
                Clock.systemUTC()));
  }

  /** A context with these flags and no pods or cluster to join on. */
  private static CollectorContext contextWithoutPods(Map<Flag<?>, Object> flags) {
    return new CollectorContext(
        RootPaths.host(),
        "node-a",
        TestFlags.with(flags),
        PodDirectory.EMPTY,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }

  private static Snapshot collect(Collector collector) throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
    collector.collect(out);
    return out.build(Clock.systemUTC());
  }

  /** Writes the connections of the test: see each line. */
  private void fill(CiliumCtLayout layout) throws Exception {
    // client:40000 -> server:8080 over TCP, both pods on this node: an OUT entry and its IN twin.
    put(
        TCP4,
        key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, OUT),
        layout,
        false,
        10,
        1000,
        8,
        5000,
        0,
        0);
    put(
        TCP4,
        key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, IN),
        layout,
        true,
        10,
        1000,
        8,
        5000,
        0,
        0);
    // client:5353 -> 198.51.100.7:53 over UDP, a peer outside the cluster.
    put(
        ANY4,
        key4("192.0.2.10", 5353, "198.51.100.7", 53, UDP, OUT),
        layout,
        false,
        2,
        200,
        2,
        400,
        0,
        0);
    // client:40001 -> Service web (203.0.113.100:80), load-balanced to server:8080: the service
    // entry, and the connection's own entry carrying the Service's reverse-NAT index.
    put(
        TCP4,
        key4("192.0.2.10", 40001, "203.0.113.100", 80, TCP, SERVICE),
        layout,
        false,
        3,
        300,
        0,
        0,
        0,
        WEB_REV_NAT);
    put(
        TCP4,
        key4("192.0.2.10", 40001, "192.0.2.20", 8080, TCP, OUT),
        layout,
        false,
        3,
        300,
        4,
        4000,
        0,
        WEB_REV_NAT);
    maps.get(REV_NAT4)
        .update(
            CiliumCtFixtures.revNatKey(WEB_REV_NAT),
            CiliumCtFixtures.revNatValue("203.0.113.100", 80),
            0);
    // client:40002 -> 198.51.100.7:443, closed (FIN/RST seen), lingering until Cilium's GC.
    put(
        TCP4,
        key4("192.0.2.10", 40002, "198.51.100.7", 443, TCP, OUT),
        layout,
        false,
        4,
        400,
        4,
        800,
        CiliumCtFixtures.CLOSING,
        0);
    // 2001:db8::99:50000 -> v6:443 over TCP, into this node: an IN entry only.
    put(
        TCP6,
        key6("2001:db8::99", 50000, "2001:db8::10", 443, TCP, IN),
        layout,
        true,
        5,
        500,
        6,
        6000,
        0,
        0);
    // 2001:db8::10:6000 -> 2001:db8::99:53 over UDP.
    put(
        ANY6,
        key6("2001:db8::10", 6000, "2001:db8::99", 53, UDP, OUT),
        layout,
        false,
        1,
        90,
        1,
        180,
        0,
        0);
  }

  private static byte[] key4(String c, int cp, String s, int sp, int proto, int flags)
      throws Exception {
    return CiliumCtFixtures.key(c, cp, s, sp, proto, flags);
  }

  private static byte[] key6(String c, int cp, String s, int sp, int proto, int flags)
      throws Exception {
    return CiliumCtFixtures.key(c, cp, s, sp, proto, flags);
  }

  private void put(
      String map,
      byte[] key,
      CiliumCtLayout layout,
      boolean in,
      long origPackets,
      long origBytes,
      long replyPackets,
      long replyBytes,
      int entryFlags,
      int revNat)
      throws Exception {
    maps.get(map)
        .update(
            key,
            CiliumCtFixtures.value(
                layout, in, origPackets, origBytes, replyPackets, replyBytes, entryFlags, revNat),
            0);
  }

  /** The one sample of a series, found by pod, direction, protocol, port, role and Service. */
  private static double value(
      Snapshot snapshot,
      MetricDescriptor metric,
      String pod,
      String direction,
      String protocol,
      String port,
      String role,
      String service) {
    MetricFamily family = snapshot.family(metric);
    List<Sample> found =
        family.samples().stream()
            .filter(
                s ->
                    s.labelValues().get(1).equals(pod)
                        && s.labelValues().get(2).equals(direction)
                        && s.labelValues().get(5).equals(service)
                        && s.labelValues().get(8).equals(protocol)
                        && s.labelValues().get(9).equals(port)
                        && s.labelValues().get(10).equals(role))
            .toList();
    assertThat(found)
        .as("%s %s %s %s/%s %s %s", metric.name(), pod, direction, protocol, port, role, service)
        .hasSize(1);
    return found.get(0).value();
  }

  /** bytes, packets (both directions), connections and active of one series, as written. */
  private static void assertSeries(
      Snapshot s,
      String pod,
      String protocol,
      String port,
      String role,
      String service,
      long txBytes,
      long txPackets,
      long rxBytes,
      long rxPackets,
      long connections,
      long active) {
    assertThat(value(s, FlowsMetrics.BYTES, pod, "tx", protocol, port, role, service))
        .isEqualTo((double) txBytes);
    assertThat(value(s, FlowsMetrics.PACKETS, pod, "tx", protocol, port, role, service))
        .isEqualTo((double) txPackets);
    assertThat(value(s, FlowsMetrics.BYTES, pod, "rx", protocol, port, role, service))
        .isEqualTo((double) rxBytes);
    assertThat(value(s, FlowsMetrics.PACKETS, pod, "rx", protocol, port, role, service))
        .isEqualTo((double) rxPackets);
    assertThat(value(s, FlowsMetrics.CONNECTIONS, pod, "tx", protocol, port, role, service))
        .isEqualTo((double) connections);
    assertThat(value(s, FlowsMetrics.ACTIVE, pod, "tx", protocol, port, role, service))
        .isEqualTo((double) active);
  }

  private static double single(Snapshot s, MetricDescriptor metric) {
    assertThat(s.family(metric).samples()).hasSize(1);
    return s.family(metric).samples().get(0).value();
  }

  @Test
  void everyValueBefore116MatchesWhatWasWrittenAndSurvivesRemovals() throws Exception {
    fill(CiliumCtLayout.BEFORE_1_16);
    try (Collector collector = collector(CiliumCtLayout.BEFORE_1_16)) {
      Snapshot s = collect(collector);
      assertThat(s.family(FlowsMetrics.SOURCE).samples())
          .singleElement()
          .satisfies(x -> assertThat(x.labelValues()).containsExactly("cilium"));
      assertThat(single(s, FlowsMetrics.CILIUM_ACCOUNTING)).isEqualTo(1);
      // The OUT entry of client->server, counted once although its IN twin is in the map too.
      assertSeries(s, "client", "tcp", "8080", "client", "", 1000, 10, 5000, 8, 1, 1);
      // The server's end: that connection plus the one through the Service.
      assertSeries(
          s, "server", "tcp", "8080", "server", "", 5000 + 4000, 8 + 4, 1000 + 300, 10 + 3, 2, 2);
      // Through the Service: named from the reverse-NAT index, port of the frontend.
      assertSeries(s, "client", "tcp", "80", "client", "ns/web", 300, 3, 4000, 4, 1, 1);
      assertSeries(s, "client", "udp", "53", "client", "", 200, 2, 400, 2, 1, 1);
      // Closed: its counts and its connection, not active.
      assertSeries(s, "client", "tcp", "443", "client", "", 400, 4, 800, 4, 1, 0);
      // IPv6, into this node (an IN entry counts the original direction as rx).
      assertSeries(s, "v6", "tcp", "443", "server", "", 6000, 6, 500, 5, 1, 1);
      assertSeries(s, "v6", "udp", "53", "client", "", 90, 1, 180, 1, 1, 1);
      // Those seven, each a tx and an rx series: nothing else was counted.
      assertThat(s.family(FlowsMetrics.CONNECTIONS).samples()).hasSize(14);
      assertThat(s.family(FlowsMetrics.STATS).samples()).isEmpty();

      // Cilium's GC removes the UDP entry; client->server moves on; the closed one stays.
      assertThat(maps.get(ANY4).delete(key4("192.0.2.10", 5353, "198.51.100.7", 53, UDP, OUT)))
          .isTrue();
      put(
          TCP4,
          key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, OUT),
          CiliumCtLayout.BEFORE_1_16,
          false,
          25,
          3500,
          20,
          12000,
          0,
          0);
      Snapshot after = collect(collector);
      assertSeries(after, "client", "udp", "53", "client", "", 200, 2, 400, 2, 1, 0);
      assertSeries(after, "client", "tcp", "8080", "client", "", 3500, 25, 12000, 20, 1, 1);
      assertSeries(
          after,
          "server",
          "tcp",
          "8080",
          "server",
          "",
          12000 + 4000,
          20 + 4,
          3500 + 300,
          25 + 3,
          2,
          2);
      assertSeries(after, "client", "tcp", "443", "client", "", 400, 4, 800, 4, 1, 0);

      // The connection closes and leaves between two reads: what it moved until the last read
      // stays counted, nothing is subtracted and it is not counted again.
      maps.get(TCP4).delete(key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, OUT));
      maps.get(TCP4).delete(key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, IN));
      Snapshot gone = collect(collector);
      assertSeries(gone, "client", "tcp", "8080", "client", "", 3500, 25, 12000, 20, 1, 0);
      assertSeries(gone, "server", "tcp", "8080", "server", "", 16000, 24, 3800, 28, 2, 1);
    }
    assertThat(logs.records()).noneMatch(r -> r.getMessage().contains("accounting is off"));
  }

  @Test
  void from116ConnectionsAreCountedAndBytesAreNotSplitByGuess() throws Exception {
    fill(CiliumCtLayout.FROM_1_16);
    try (Collector collector = collector(CiliumCtLayout.FROM_1_16)) {
      Snapshot s = collect(collector);
      assertThat(single(s, FlowsMetrics.CILIUM_ACCOUNTING)).isEqualTo(1);
      assertSeries(s, "client", "tcp", "8080", "client", "", 0, 0, 0, 0, 1, 1);
      assertSeries(s, "server", "tcp", "8080", "server", "", 0, 0, 0, 0, 2, 2);
      assertSeries(s, "client", "tcp", "80", "client", "ns/web", 0, 0, 0, 0, 1, 1);
      assertSeries(s, "client", "tcp", "443", "client", "", 0, 0, 0, 0, 1, 0);
      assertSeries(s, "v6", "tcp", "443", "server", "", 0, 0, 0, 0, 1, 1);
    }
  }

  @Test
  void accountingOffKeepsConnectionCountsAndSaysSoOnce() throws Exception {
    put(
        TCP4,
        key4("192.0.2.10", 40000, "192.0.2.20", 8080, TCP, OUT),
        CiliumCtLayout.BEFORE_1_16,
        false,
        0,
        0,
        0,
        0,
        0,
        0);
    put(
        TCP4,
        key4("192.0.2.10", 40003, "198.51.100.7", 443, TCP, OUT),
        CiliumCtLayout.BEFORE_1_16,
        false,
        0,
        0,
        0,
        0,
        0,
        0);
    put(
        TCP6,
        key6("2001:db8::99", 50000, "2001:db8::10", 443, TCP, IN),
        CiliumCtLayout.BEFORE_1_16,
        true,
        0,
        0,
        0,
        0,
        0,
        0);
    try (Collector collector = collector(CiliumCtLayout.BEFORE_1_16)) {
      collect(collector);
      Snapshot s = collect(collector);
      assertThat(single(s, FlowsMetrics.CILIUM_ACCOUNTING)).isEqualTo(0);
      assertSeries(s, "client", "tcp", "8080", "client", "", 0, 0, 0, 0, 1, 1);
      assertSeries(s, "server", "tcp", "8080", "server", "", 0, 0, 0, 0, 1, 1);
      assertSeries(s, "client", "tcp", "443", "client", "", 0, 0, 0, 0, 1, 1);
      assertSeries(s, "v6", "tcp", "443", "server", "", 0, 0, 0, 0, 1, 1);
    }
    assertThat(logs.records().stream().filter(r -> r.getMessage().contains("accounting is off")))
        .hasSize(1);
  }

  @Test
  void inconsistentSizesMakeTheSourceUnavailable() throws Exception {
    maps.remove(TCP4).close();
    Files.delete(bpffs.root().resolve(TCP4));
    create(TCP4, 14, 48); // a value size of no known layout
    assertThatThrownBy(() -> collector(CiliumCtLayout.BEFORE_1_16))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining(TCP4)
        .hasMessageContaining("48-byte values")
        .hasMessageContaining("refusing to guess");
  }

  @Test
  void aMapReplacedByOneOfAnotherLayoutFailsTheCollectionNotTheNumbers() throws Exception {
    fill(CiliumCtLayout.BEFORE_1_16);
    try (Collector collector = collector(CiliumCtLayout.BEFORE_1_16)) {
      collect(collector);
      maps.remove(ANY6).close();
      Files.delete(bpffs.root().resolve(ANY6));
      create(ANY6, 38, 64);
      assertThatThrownBy(() -> collect(collector))
          .hasMessageContaining(ANY6)
          .hasMessageContaining("refusing to guess");
    }
  }

  @Test
  void noPinnedMapsInAutoModeMeansNetfilterAndCiliumOnlyWhenAsked() throws Exception {
    Map<Flag<?>, Object> flags = new HashMap<>();
    flags.put(FlowsCollectorFactory.CILIUM_DIRECTORY, bpffs.root().resolve("absent"));
    flags.put(FlowsCollectorFactory.CILIUM_VERSION, "1.16");
    flags.put(FlowsCollectorFactory.SOURCE_FLAG, "cilium");
    CollectorContext context = contextWithoutPods(flags);
    assertThatThrownBy(() -> new FlowsCollectorFactory().create(context))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no Cilium conntrack map");
  }

  @Test
  void withoutAVersionTheLayoutIsNotGuessed() throws Exception {
    fill(CiliumCtLayout.BEFORE_1_16);
    Map<Flag<?>, Object> flags = new HashMap<>();
    flags.put(FlowsCollectorFactory.CILIUM_DIRECTORY, bpffs.root());
    CollectorContext context = contextWithoutPods(flags);
    assertThatThrownBy(() -> new FlowsCollectorFactory().create(context))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no cilium-agent pod")
        .hasMessageContaining("--collector.flows.cilium-version");
  }
}
