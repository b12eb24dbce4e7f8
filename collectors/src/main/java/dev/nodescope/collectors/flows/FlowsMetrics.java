package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/**
 * The series of the {@code flows} collector: pod-to-peer traffic and the conntrack table's state.
 */
public final class FlowsMetrics {
  /** Labels of every flow series: the local pod, the direction and the peer. */
  public static final List<String> FLOW_LABELS = FlowAggregator.FlowKey.LABELS;

  public static final MetricDescriptor BYTES =
      MetricDescriptor.counter(
          "nodescope_flow_bytes_total",
          "Bytes a pod on this node sent (tx) or received (rx) per peer, from conntrack.",
          FLOW_LABELS);
  public static final MetricDescriptor PACKETS =
      MetricDescriptor.counter(
          "nodescope_flow_packets_total",
          "Packets a pod on this node sent (tx) or received (rx) per peer, from conntrack.",
          FLOW_LABELS);
  public static final MetricDescriptor CONNECTIONS =
      MetricDescriptor.counter(
          "nodescope_flow_connections_total",
          "Connections opened per flow (counted on the tx series).",
          FLOW_LABELS);
  public static final MetricDescriptor ACTIVE =
      MetricDescriptor.gauge(
          "nodescope_flow_active_connections",
          "Connections in the conntrack table at the last dump (on the tx series).",
          FLOW_LABELS);
  public static final MetricDescriptor ENTRIES =
      MetricDescriptor.gauge(
          "nodescope_conntrack_entries",
          "Entries in the node's conntrack table (nf_conntrack_count).");
  public static final MetricDescriptor ENTRIES_LIMIT =
      MetricDescriptor.gauge(
          "nodescope_conntrack_entries_limit",
          "Size limit of the conntrack table (nf_conntrack_max).");
  public static final MetricDescriptor ACCOUNTING =
      MetricDescriptor.gauge(
          "nodescope_conntrack_accounting_enabled",
          "1 when net.netfilter.nf_conntrack_acct is on; byte and packet flow counters need it.");
  public static final MetricDescriptor SOURCE =
      MetricDescriptor.info(
          "nodescope_conntrack_source_info",
          "Where the table is read: netlink (ctnetlink dumps and events), procfs (/proc/net/nf_conntrack, only where "
              + "netlink is refused; no events, so connections shorter than an interval are missed) or cilium (Cilium's "
              + "conntrack eBPF maps, read instead of netfilter's table).",
          "source");
  public static final MetricDescriptor CILIUM_ACCOUNTING =
      MetricDescriptor.gauge(
          "nodescope_cilium_conntrack_accounting_enabled",
          "1 when Cilium's conntrack entries count packets and bytes (cilium-agent --bpf-conntrack-accounting), 0 when "
              + "every counter is 0; only with the cilium source, once it has seen an entry.");
  public static final MetricDescriptor LOST_EVENTS =
      MetricDescriptor.counter(
          "nodescope_conntrack_events_lost_total",
          "Conntrack events lost (socket overruns or a full queue); short connections may be under-counted.");
  public static final MetricDescriptor STATS =
      MetricDescriptor.counter(
          "nodescope_conntrack_stat_total",
          "Per-CPU conntrack statistics summed over CPUs (IPCTNL_MSG_CT_GET_STATS_CPU).",
          "type");

  public static final List<MetricDescriptor> ALL =
      List.of(
          BYTES,
          PACKETS,
          CONNECTIONS,
          ACTIVE,
          ENTRIES,
          ENTRIES_LIMIT,
          ACCOUNTING,
          CILIUM_ACCOUNTING,
          SOURCE,
          LOST_EVENTS,
          STATS);

  private FlowsMetrics() {}
}
