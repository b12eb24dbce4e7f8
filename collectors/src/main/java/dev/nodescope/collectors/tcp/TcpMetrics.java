package dev.nodescope.collectors.tcp;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;
import static dev.nodescope.collectors.core.MetricDescriptor.histogram;
import static dev.nodescope.collectors.core.MetricDescriptor.info;

import dev.nodescope.collectors.attribution.PodPeer;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;
import java.util.stream.Stream;

/**
 * The tcp collector's series: TCP health per pod pair from the sock_ops program and the reset
 * tracepoints, under the flows collector's peer labels (less direction, since each series counts
 * one connection's both ways); the kernel's packet drops by reason, per node and per pod; plus the
 * programs' own health.
 */
public final class TcpMetrics {
  /** The flows collector's peer labels (without its direction): the same pod peers. */
  static final List<String> PEER_LABELS = PodPeer.LABELS;

  /** Upper bounds of the RTT and connect-time buckets, in seconds (the program's, in µs). */
  static final List<Double> BUCKETS_SECONDS =
      List.of(
          50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3,
          500e-3, 1.0, 2.5, 5.0);

  public static final MetricDescriptor RTT =
      histogram(
          "nodescope_tcp_rtt_seconds",
          "Smoothed RTT of the pod's TCP connections, sampled about once per round trip (sock_ops RTT_CB).",
          peer());
  static final MetricDescriptor CONNECT =
      histogram(
          "nodescope_tcp_connect_seconds",
          "Time from SYN sent to established, for connections the pod opened (client side).",
          peer());
  public static final MetricDescriptor RETRANSMITTED =
      counter(
          "nodescope_tcp_retransmitted_segments_total",
          "Segments the pod retransmitted (as the kernel's TcpRetransSegs counts them), SYNs included.",
          peer());
  public static final MetricDescriptor TIMEOUTS =
      counter(
          "nodescope_tcp_timeouts_total",
          "Retransmission timeouts (RTO) fired on the pod's connections (TcpExtTCPTimeouts).",
          peer());
  public static final MetricDescriptor FAILED =
      counter(
          "nodescope_tcp_connections_failed_total",
          "Connections the pod opened that closed before reaching established (SYN_SENT to CLOSE).",
          peer());
  static final MetricDescriptor RESETS =
      counter(
          "nodescope_tcp_resets_total",
          "TCP resets the pod sent or received (tcp:tcp_send_reset, tcp:tcp_receive_reset).",
          peer("direction"));

  static final MetricDescriptor PACKET_DROPS =
      counter(
          "nodescope_packet_drops_total",
          "Packets the kernel dropped on this node, by the kernel's drop reason (skb:kfree_skb, kernel"
              + " 5.17+; names from the running kernel's BTF without SKB_DROP_REASON_, such as"
              + " NETFILTER_DROP).",
          "reason");
  static final MetricDescriptor POD_PACKET_DROPS =
      counter(
          "nodescope_pod_packet_drops_total",
          "Packets the kernel dropped inside a pod's own network namespace, by drop reason.",
          "namespace",
          "pod",
          "reason");

  static final MetricDescriptor MAP_ENTRIES =
      gauge(
          "nodescope_tcp_map_entries",
          "Entries in each of the tcp collector's eBPF maps at the last read.",
          "map");
  static final MetricDescriptor MAP_CAPACITY =
      gauge(
          "nodescope_tcp_map_capacity",
          "max_entries of each of the tcp collector's eBPF maps.",
          "map");
  static final MetricDescriptor INSERT_FAILURES =
      counter(
          "nodescope_tcp_map_insert_failures_total",
          "Inserts the eBPF programs could not make because a map was full; those sockets, resets or drops go"
              + " unmeasured (tcp_closed: a closed socket's counts since the agent's last read).",
          "map");
  static final MetricDescriptor PROGRAM =
      info(
          "nodescope_tcp_program_info",
          "An eBPF program of the tcp collector loaded in the kernel, its hook and where it is attached.",
          "part",
          "program",
          "hook",
          "attached_to");
  static final MetricDescriptor PART_AVAILABLE =
      gauge(
          "nodescope_tcp_part_available",
          "1 when a part of the tcp collector is loaded and attached, 0 when the node lacks what it needs (logged once).",
          "part");

  private TcpMetrics() {}

  public static List<MetricDescriptor> all() {
    return List.of(
        RTT,
        CONNECT,
        RETRANSMITTED,
        TIMEOUTS,
        FAILED,
        RESETS,
        PACKET_DROPS,
        POD_PACKET_DROPS,
        MAP_ENTRIES,
        MAP_CAPACITY,
        INSERT_FAILURES,
        PROGRAM,
        PART_AVAILABLE);
  }

  private static String[] peer(String... extra) {
    return Stream.concat(PEER_LABELS.stream(), Stream.of(extra)).toArray(String[]::new);
  }
}
