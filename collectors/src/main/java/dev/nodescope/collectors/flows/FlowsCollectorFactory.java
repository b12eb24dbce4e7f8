package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.conntrack.NetlinkConntrackSource;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Pod network flows from the node's conntrack table (ctnetlink dump plus NEW/DESTROY events). */
public final class FlowsCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "flows",
          Duration.ofSeconds(10),
          "pod network flows from conntrack, attributed to pods, Services and zones.");
  static final String[] FLOW_LABELS = FlowAggregator.FlowKey.LABELS.toArray(String[]::new);
  public static final MetricDescriptor BYTES =
      MetricDescriptor.counter(
          "nodescope_flow_bytes_total",
          "Bytes a pod on this node sent (tx) or received (rx) per peer, from conntrack.",
          FLOW_LABELS);
  static final MetricDescriptor PACKETS =
      MetricDescriptor.counter(
          "nodescope_flow_packets_total",
          "Packets a pod on this node sent (tx) or received (rx) per peer, from conntrack.",
          FLOW_LABELS);
  static final MetricDescriptor CONNECTIONS =
      MetricDescriptor.counter(
          "nodescope_flow_connections_total",
          "Connections opened per flow (counted on the tx series).",
          FLOW_LABELS);
  static final MetricDescriptor ACTIVE =
      MetricDescriptor.gauge(
          "nodescope_flow_active_connections",
          "Connections in the conntrack table at the last dump (on the tx series).",
          FLOW_LABELS);
  static final MetricDescriptor ENTRIES =
      MetricDescriptor.gauge(
          "nodescope_conntrack_entries",
          "Entries in the node's conntrack table (nf_conntrack_count).");
  static final MetricDescriptor ENTRIES_LIMIT =
      MetricDescriptor.gauge(
          "nodescope_conntrack_entries_limit",
          "Size limit of the conntrack table (nf_conntrack_max).");
  static final MetricDescriptor ACCOUNTING =
      MetricDescriptor.gauge(
          "nodescope_conntrack_accounting_enabled",
          "1 when net.netfilter.nf_conntrack_acct is on; byte and packet flow counters need it.");
  static final MetricDescriptor SOURCE =
      MetricDescriptor.info(
          "nodescope_conntrack_source_info",
          "Where the table is read: netlink (ctnetlink dumps and events) or procfs (/proc/net/nf_conntrack, only where "
              + "netlink is refused; no events, so connections shorter than an interval are missed).",
          "source");
  static final MetricDescriptor LOST_EVENTS =
      MetricDescriptor.counter(
          "nodescope_conntrack_events_lost_total",
          "Conntrack events lost (socket overruns or a full queue); short connections may be under-counted.");
  static final MetricDescriptor STATS =
      MetricDescriptor.counter(
          "nodescope_conntrack_stat_total",
          "Per-CPU conntrack statistics summed over CPUs (IPCTNL_MSG_CT_GET_STATS_CPU).",
          "type");

  static final Flag<Boolean> ENABLE_ACCOUNTING =
      Flag.bool(
          "collector.flows.enable-accounting",
          false,
          "Set net.netfilter.nf_conntrack_acct=1 at start so byte and packet counters exist.");

  public FlowsCollectorFactory() {
    super(
        INFO,
        List.of(
            BYTES,
            PACKETS,
            CONNECTIONS,
            ACTIVE,
            ENTRIES,
            ENTRIES_LIMIT,
            ACCOUNTING,
            SOURCE,
            LOST_EVENTS,
            STATS));
  }

  /**
   * Remote peers (Services, pods and nodes elsewhere, zones) are attributed through the cluster
   * directory.
   */
  @Override
  public boolean needsClusterDirectory() {
    return true;
  }

  @Override
  public List<Flag<?>> flags() {
    return List.of(SeriesAdmission.MAX_SERIES, ENABLE_ACCOUNTING);
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    try {
      return new FlowsCollector(
          context, context.flags().get(ENABLE_ACCOUNTING), NetlinkConntrackSource::open);
    } catch (IOException e) {
      throw new SourceUnavailableException("conntrack unavailable: " + e.getMessage(), e);
    }
  }
}
