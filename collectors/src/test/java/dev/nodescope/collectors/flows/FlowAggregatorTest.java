package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.conntrack.ConntrackEntry;
import dev.nodescope.collectors.conntrack.ConntrackTuple;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.netlink.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FlowAggregatorTest {
  static final byte[] CLIENT = {(byte) 192, 0, 2, 10};
  static final byte[] SERVER = {(byte) 192, 0, 2, 20};
  static final byte[] CLUSTER_IP = {(byte) 198, 51, 100, 7};
  final List<PodInfo> podList =
      new ArrayList<>(List.of(pod("client", "192.0.2.10"), pod("server", "192.0.2.20")));
  final PodDirectory pods = () -> podList;
  final ClusterDirectory cluster =
      new ClusterDirectory() {
        @Override
        public Optional<ServiceRef> serviceByClusterIp(String ip) {
          return ip.equals("198.51.100.7")
              ? Optional.of(new ServiceRef("shop", "api"))
              : Optional.empty();
        }
      };

  static PodInfo pod(String name, String ip) {
    return new PodInfo(
        "shop", name, "uid-" + name, List.of(ip), "ReplicaSet", name, false, "node-a", List.of());
  }

  static ConntrackEntry entry(
      ConntrackEntry.Event event, long id, int sport, long origBytes, long replyBytes) {
    return new ConntrackEntry(
        event,
        Addresses.AF_INET,
        new ConntrackTuple(CLIENT, CLUSTER_IP, 6, sport, 80),
        new ConntrackTuple(SERVER, CLIENT, 6, 8080, sport),
        origBytes / 100,
        origBytes,
        replyBytes / 100,
        replyBytes,
        0,
        3,
        0,
        0,
        id);
  }

  @Test
  void carriesCountersForwardAndCountsShortConnectionsOnce() throws Exception {
    FlowAggregator agg = new FlowAggregator("node-a");
    agg.collect(
        List.of(entry(ConntrackEntry.Event.DUMP, 1, 40000, 1000, 500))::forEach,
        List::of,
        pods,
        cluster);
    agg.collect(
        List.of(entry(ConntrackEntry.Event.DUMP, 1, 40000, 3000, 800))::forEach,
        () ->
            List.of(
                entry(ConntrackEntry.Event.NEW, 2, 40001, 0, 0),
                entry(ConntrackEntry.Event.DESTROY, 2, 40001, 200, 100)),
        pods,
        cluster);

    String[] clientTx = {
      "shop",
      "client",
      "tx",
      "shop",
      "server",
      "shop/api",
      "service",
      "same-node",
      "tcp",
      "80",
      "client"
    };
    String[] serverRx = {
      "shop", "server", "rx", "shop", "client", "", "pod", "same-node", "tcp", "8080", "server"
    };
    assertThat(FlowSeries.find(agg, clientTx).bytes()).isEqualTo(3000 + 200);
    assertThat(FlowSeries.find(agg, clientTx).packets()).isEqualTo(30 + 2);
    assertThat(FlowSeries.find(agg, clientTx).connections()).isEqualTo(2);
    assertThat(FlowSeries.find(agg, clientTx).active()).isEqualTo(1);
    // The same connection from the server's side: what the client sent, the server received.
    assertThat(FlowSeries.find(agg, serverRx).bytes())
        .isEqualTo(FlowSeries.find(agg, clientTx).bytes());
  }

  @Test
  void writesIpv6AddressesAsKubernetesDoes() throws Exception {
    assertThat(Addresses.text(java.net.InetAddress.getByName("2001:db8:0:0:0:0:0:1")))
        .isEqualTo("2001:db8::1");
    assertThat(Addresses.text(java.net.InetAddress.getByName("2001:db8:1:0:0:1:0:1")))
        .isEqualTo("2001:db8:1::1:0:1");
    assertThat(Addresses.text(java.net.InetAddress.getByName("2001:db8:1:2:3:4:5:6")))
        .isEqualTo("2001:db8:1:2:3:4:5:6");
    assertThat(Addresses.text(java.net.InetAddress.getByName("192.0.2.1"))).isEqualTo("192.0.2.1");
  }

  @Test
  void peersFoundNowhereAreExternalOnlyWhenTheClusterIsKnown() throws Exception {
    ConntrackEntry toOutside =
        new ConntrackEntry(
            ConntrackEntry.Event.DUMP,
            Addresses.AF_INET,
            new ConntrackTuple(CLIENT, new byte[] {(byte) 203, 0, 113, 9}, 17, 40000, 53),
            new ConntrackTuple(new byte[] {(byte) 203, 0, 113, 9}, CLIENT, 17, 53, 40000),
            1,
            60,
            1,
            90,
            0,
            -1,
            0,
            0,
            7);
    FlowAggregator withCluster = new FlowAggregator("node-a");
    withCluster.collect(List.of(toOutside)::forEach, List::of, pods, cluster);
    assertThat(withCluster.series().keySet())
        .extracting(k -> FlowSeries.label(k, "remote_kind") + "/" + FlowSeries.label(k, "locality"))
        .containsOnly("external/external");
    FlowAggregator nodeMode = new FlowAggregator("node-a");
    nodeMode.collect(List.of(toOutside)::forEach, List::of, pods, ClusterDirectory.EMPTY);
    assertThat(nodeMode.series().keySet())
        .extracting(k -> FlowSeries.label(k, "remote_kind") + "/" + FlowSeries.label(k, "locality"))
        .containsOnly("unknown/unknown");
  }

  @Test
  void eventsDrainedAfterTheDumpAreNeitherLostNorCountedTwice() throws Exception {
    FlowAggregator agg = new FlowAggregator("node-a");
    String[] clientTx = {
      "shop",
      "client",
      "tx",
      "shop",
      "server",
      "shop/api",
      "service",
      "same-node",
      "tcp",
      "80",
      "client"
    };
    // Connection 1 opened before the dump, which read it at 1000 bytes; its NEW event (at 0) is
    // older.
    agg.collect(
        List.of(entry(ConntrackEntry.Event.DUMP, 1, 40000, 1000, 500))::forEach,
        () -> List.of(entry(ConntrackEntry.Event.NEW, 1, 40000, 60, 0)),
        pods,
        cluster);
    assertThat(FlowSeries.find(agg, clientTx).bytes()).isEqualTo(1000);
    assertThat(FlowSeries.find(agg, clientTx).connections()).isEqualTo(1);
    // It closed while the next dump ran, before the dump reached it; its DESTROY came only after
    // that drain.
    agg.collect(List.<ConntrackEntry>of()::forEach, List::of, pods, cluster);
    agg.collect(
        List.<ConntrackEntry>of()::forEach,
        () -> List.of(entry(ConntrackEntry.Event.DESTROY, 1, 40000, 1500, 600)),
        pods,
        cluster);
    assertThat(FlowSeries.find(agg, clientTx).bytes()).isEqualTo(1500);
    assertThat(FlowSeries.find(agg, clientTx).connections()).isEqualTo(1);
  }

  @Test
  void seriesOfDeletedPodsGoAway() throws Exception {
    FlowAggregator agg = new FlowAggregator("node-a");
    agg.collect(
        List.of(entry(ConntrackEntry.Event.DUMP, 1, 40000, 1000, 500))::forEach,
        List::of,
        pods,
        cluster);
    podList.removeIf(p -> p.name().equals("client"));
    agg.collect(List.<ConntrackEntry>of()::forEach, List::of, pods, cluster);
    assertThat(agg.series().keySet())
        .extracting(k -> FlowSeries.label(k, "pod"))
        .containsOnly("server");
  }
}
