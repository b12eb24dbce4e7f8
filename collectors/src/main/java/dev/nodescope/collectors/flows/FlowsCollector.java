package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.conntrack.CiliumConntrackSource;
import dev.nodescope.collectors.conntrack.ConntrackCpuStats;
import dev.nodescope.collectors.conntrack.ConntrackSource;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.hostnet.HostNetworkSockets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dumps conntrack each interval, adds the events since the last dump, and exports capped flow
 * series.
 */
final class FlowsCollector implements Collector {
  private static final Logger LOG = LoggerFactory.getLogger(FlowsCollector.class);

  private final CollectorContext context;
  private final ConntrackSource source;
  private final HostNetworkSockets hostNetwork;
  private final FlowAggregator aggregator;
  private boolean accountingOffLogged;

  FlowsCollector(
      CollectorContext context, boolean enableAccounting, ConntrackSource.NetlinkOpener netlink)
      throws IOException {
    this(context, openNetfilter(context, enableAccounting, netlink));
  }

  /** Reading the given source, Cilium's maps say. */
  FlowsCollector(CollectorContext context, ConntrackSource source) {
    this.context = context;
    this.source = source;
    this.hostNetwork = HostNetworkSockets.create(context.paths());
    this.aggregator =
        new FlowAggregator(context.nodeName(), hostNetwork, SeriesAdmission.of(context));
  }

  private static ConntrackSource openNetfilter(
      CollectorContext context, boolean enableAccounting, ConntrackSource.NetlinkOpener netlink)
      throws IOException {
    if (enableAccounting) {
      Files.writeString(context.paths().proc("sys/net/netfilter/nf_conntrack_acct"), "1\n");
    }
    return ConntrackSource.open(context.paths(), netlink);
  }

  @Override
  public void collect(SnapshotBuilder out) throws Exception {
    aggregator.collect(source::dump, source::drainEvents, context.pods(), context.cluster());
    hostNetwork.drainProblems().forEach(out::partialFailure);
    exportFlows(out);
    exportTable(out);
  }

  private void exportFlows(SnapshotBuilder out) {
    aggregator
        .series()
        .forEach(
            (key, totals) -> {
              List<String> labels = key.labels();
              out.add(FlowsMetrics.BYTES, totals.bytes(), labels);
              out.add(FlowsMetrics.PACKETS, totals.packets(), labels);
              out.add(FlowsMetrics.CONNECTIONS, totals.connections(), labels);
              out.add(FlowsMetrics.ACTIVE, totals.active(), labels);
            });
  }

  private void exportTable(SnapshotBuilder out) throws IOException {
    readLong(out, "sys/net/netfilter/nf_conntrack_count", FlowsMetrics.ENTRIES);
    readLong(out, "sys/net/netfilter/nf_conntrack_max", FlowsMetrics.ENTRIES_LIMIT);
    Long acct = readLong(out, "sys/net/netfilter/nf_conntrack_acct", FlowsMetrics.ACCOUNTING);
    if (source instanceof CiliumConntrackSource cilium) {
      cilium
          .accountingEnabled()
          .ifPresent(on -> out.add(FlowsMetrics.CILIUM_ACCOUNTING, on ? 1 : 0));
    } else if (acct != null && acct == 0 && !accountingOffLogged) {
      accountingOffLogged = true;
      LOG.warn(
          "net.netfilter.nf_conntrack_acct is 0: flow byte and packet counters stay at 0; "
              + "set it to 1 or start with --collector.flows.enable-accounting");
    }
    out.add(FlowsMetrics.SOURCE, 1, source.name());
    out.add(FlowsMetrics.LOST_EVENTS, source.lostEvents());
    List<ConntrackCpuStats> cpuStats = source.cpuStats();
    if (cpuStats.isEmpty()) {
      return; // Cilium's maps have no such statistics
    }
    addStat(out, cpuStats, "found", ConntrackCpuStats::found);
    addStat(out, cpuStats, "invalid", ConntrackCpuStats::invalid);
    addStat(out, cpuStats, "insert", ConntrackCpuStats::insert);
    addStat(out, cpuStats, "insert_failed", ConntrackCpuStats::insertFailed);
    addStat(out, cpuStats, "drop", ConntrackCpuStats::drop);
    addStat(out, cpuStats, "early_drop", ConntrackCpuStats::earlyDrop);
    addStat(out, cpuStats, "search_restart", ConntrackCpuStats::searchRestart);
  }

  /** One conntrack statistic summed over the CPUs, as a {@code type} of the stats series. */
  private static void addStat(
      SnapshotBuilder out,
      List<ConntrackCpuStats> cpuStats,
      String type,
      ToLongFunction<ConntrackCpuStats> field) {
    long sum = 0;
    for (ConntrackCpuStats s : cpuStats) {
      sum += field.applyAsLong(s);
    }
    out.add(FlowsMetrics.STATS, sum, type);
  }

  /**
   * One read() call: a sysctl file answers only a read at offset 0, so reading it in pieces (as
   * Files.readString does with a file whose size says 0) would return its first digit alone.
   */
  private Long readLong(
      SnapshotBuilder out, String relative, dev.nodescope.collectors.core.MetricDescriptor d) {
    try (InputStream in = Files.newInputStream(context.paths().proc(relative))) {
      byte[] buf = new byte[32];
      int n = in.read(buf);
      long value =
          Long.parseLong(new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII).trim());
      out.add(d, value);
      return value;
    } catch (IOException | NumberFormatException e) {
      out.partialFailure("cannot read " + relative + ": " + e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    source.close();
  }
}
