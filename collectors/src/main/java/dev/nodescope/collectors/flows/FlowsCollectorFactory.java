package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.conntrack.NetlinkConntrackSource;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
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

  /**
   * 2,000 per metric: the OTel SDK's own per-instrument default, so nothing is silently folded into
   * its overflow series; at 40 pods per node that is 50 peers-and-ports per pod, and a node stays
   * under ~8,000 flow series.
   */
  static final Flag<Integer> MAX_SERIES =
      Flag.integer(
              "collector.flows.max-series",
              2000,
              "Cap on series per flow metric, aggregates included; further flows fold into per pod and direction series.")
          .requiring(maxSeries -> maxSeries > 0, "must be positive");

  static final Flag<Boolean> ENABLE_ACCOUNTING =
      Flag.bool(
          "collector.flows.enable-accounting",
          false,
          "Set net.netfilter.nf_conntrack_acct=1 at start so byte and packet counters exist.");

  public FlowsCollectorFactory() {
    super(INFO, FlowsMetrics.ALL);
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
    return List.of(MAX_SERIES, ENABLE_ACCOUNTING);
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    try {
      return new FlowsCollector(
          context,
          context.flags().get(MAX_SERIES),
          context.flags().get(ENABLE_ACCOUNTING),
          NetlinkConntrackSource::open);
    } catch (IOException e) {
      throw new SourceUnavailableException("conntrack unavailable: " + e.getMessage(), e);
    }
  }
}
