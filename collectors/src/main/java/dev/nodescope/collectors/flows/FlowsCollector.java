package dev.nodescope.collectors.flows;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dumps conntrack each interval, adds the events since the last dump, and exports capped flow
 * series.
 */
final class FlowsCollector implements Collector {
  private static final Logger LOG = LoggerFactory.getLogger(FlowsCollector.class);

  private final CollectorContext context;
  private final int maxSeries;
  private final ConntrackSource source;
  private final HostNetworkSockets hostNetwork;
  private final FlowAggregator aggregator;
  private final Set<FlowAggregator.FlowKey> admitted = new HashSet<>();
  private boolean accountingOffLogged;

  FlowsCollector(
      CollectorContext context,
      int maxSeries,
      boolean enableAccounting,
      ConntrackSource.NetlinkOpener netlink)
      throws IOException {
    this.context = context;
    this.maxSeries = maxSeries;
    if (enableAccounting) {
      Files.writeString(acctPath(), "1\n");
    }
    this.source = ConntrackSource.open(context.paths(), netlink);
    this.hostNetwork = HostNetworkSockets.create(context.paths());
    this.aggregator = new FlowAggregator(context.nodeName(), hostNetwork);
  }

  private Path acctPath() {
    return context.paths().proc("sys/net/netfilter/nf_conntrack_acct");
  }

  @Override
  public void collect(SnapshotBuilder out) throws Exception {
    aggregator.collect(source::dump, source::drainEvents, context.pods(), context.cluster());
    hostNetwork.drainProblems().forEach(out::partialFailure);
    exportFlows(out);
    exportTable(out);
  }

  /**
   * Admission is sticky: a series once exported stays exported (until its pod goes), so no counter
   * ever moves between a flow series and an aggregate and every exported value only grows.
   */
  private void exportFlows(SnapshotBuilder out) {
    admitted.retainAll(aggregator.totals().keySet());
    Map<FlowAggregator.FlowKey, long[]> folded = new HashMap<>();
    List<Map.Entry<FlowAggregator.FlowKey, FlowAggregator.FlowTotals>> rest = new ArrayList<>();
    for (var e : aggregator.totals().entrySet()) {
      if (admitted.contains(e.getKey())) {
        emit(
            out,
            e.getKey(),
            e.getValue().bytes(),
            e.getValue().packets(),
            e.getValue().connections(),
            e.getValue().active());
      } else {
        rest.add(e);
      }
    }
    // Room for every aggregate that could be needed (one per pod and direction), so the cap holds
    // whatever folds.
    long aggregateRoom =
        aggregator.totals().keySet().stream()
            .map(k -> k.namespace() + "/" + k.pod() + "/" + k.direction())
            .distinct()
            .count();
    for (var e : rest) {
      FlowAggregator.FlowKey k = e.getKey();
      FlowAggregator.FlowKey aggregate =
          new FlowAggregator.FlowKey(
              k.namespace(), k.pod(), k.direction(), "", "", "", "unknown", "unknown", "", "", "");
      if (admitted.size() + aggregateRoom < maxSeries) {
        admitted.add(k);
        emit(
            out,
            k,
            e.getValue().bytes(),
            e.getValue().packets(),
            e.getValue().connections(),
            e.getValue().active());
        continue;
      }
      long[] sum = folded.computeIfAbsent(aggregate, a -> new long[4]);
      sum[0] += e.getValue().bytes();
      sum[1] += e.getValue().packets();
      sum[2] += e.getValue().connections();
      sum[3] += e.getValue().active();
    }
    folded.forEach((k, sum) -> emit(out, k, sum[0], sum[1], sum[2], sum[3]));
  }

  private static void emit(
      SnapshotBuilder out,
      FlowAggregator.FlowKey k,
      long bytes,
      long packets,
      long connections,
      long active) {
    List<String> labels =
        List.of(
            k.namespace(),
            k.pod(),
            k.direction(),
            k.remoteNamespace(),
            k.remotePod(),
            k.remoteService(),
            k.remoteKind(),
            k.locality(),
            k.protocol(),
            k.port(),
            k.role());
    out.add(FlowsMetrics.BYTES, bytes, labels);
    out.add(FlowsMetrics.PACKETS, packets, labels);
    out.add(FlowsMetrics.CONNECTIONS, connections, labels);
    out.add(FlowsMetrics.ACTIVE, active, labels);
  }

  private void exportTable(SnapshotBuilder out) throws IOException {
    readLong(out, "sys/net/netfilter/nf_conntrack_count", FlowsMetrics.ENTRIES);
    readLong(out, "sys/net/netfilter/nf_conntrack_max", FlowsMetrics.ENTRIES_LIMIT);
    Long acct = readLong(out, "sys/net/netfilter/nf_conntrack_acct", FlowsMetrics.ACCOUNTING);
    if (acct != null && acct == 0 && !accountingOffLogged) {
      accountingOffLogged = true;
      LOG.warn(
          "net.netfilter.nf_conntrack_acct is 0: flow byte and packet counters stay at 0; "
              + "set it to 1 or start with --collector.flows.enable-accounting");
    }
    out.add(FlowsMetrics.SOURCE, 1, source.name());
    out.add(FlowsMetrics.LOST_EVENTS, source.lostEvents());
    long[] sums = new long[7];
    for (ConntrackCpuStats s : source.cpuStats()) {
      long[] v = {
        s.found(),
        s.invalid(),
        s.insert(),
        s.insertFailed(),
        s.drop(),
        s.earlyDrop(),
        s.searchRestart()
      };
      for (int i = 0; i < v.length; i++) {
        sums[i] += v[i];
      }
    }
    String[] names = {
      "found", "invalid", "insert", "insert_failed", "drop", "early_drop", "search_restart"
    };
    for (int i = 0; i < names.length; i++) {
      out.add(FlowsMetrics.STATS, sums[i], names[i]);
    }
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
