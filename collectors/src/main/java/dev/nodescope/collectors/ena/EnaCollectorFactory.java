package dev.nodescope.collectors.ena;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;
import java.util.List;

/**
 * AWS ENA allowance counters: whether the instance's network limits are shaping or dropping
 * traffic.
 */
public final class EnaCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "ena",
          Duration.ofSeconds(15),
          "AWS ENA network allowance counters (ETHTOOL_GSTATS of interfaces driven by ena).");
  static final String ENA_DRIVER = "ena";
  static final MetricDescriptor BW_IN =
      MetricDescriptor.counter(
          "nodescope_ena_bw_in_allowance_exceeded_total",
          "Packets queued or dropped because the inbound bandwidth exceeded the instance's allowance "
              + "(ENA bw_in_allowance_exceeded).",
          "device");
  static final MetricDescriptor BW_OUT =
      MetricDescriptor.counter(
          "nodescope_ena_bw_out_allowance_exceeded_total",
          "Packets queued or dropped because the outbound bandwidth exceeded the instance's allowance "
              + "(ENA bw_out_allowance_exceeded).",
          "device");
  static final MetricDescriptor PPS =
      MetricDescriptor.counter(
          "nodescope_ena_pps_allowance_exceeded_total",
          "Packets queued or dropped because the packet rate exceeded the instance's allowance "
              + "(ENA pps_allowance_exceeded).",
          "device");
  static final MetricDescriptor CONNTRACK =
      MetricDescriptor.counter(
          "nodescope_ena_conntrack_allowance_exceeded_total",
          "Packets dropped because the instance tracked as many connections as its allowance permits "
              + "(ENA conntrack_allowance_exceeded).",
          "device");
  static final MetricDescriptor LINKLOCAL =
      MetricDescriptor.counter(
          "nodescope_ena_linklocal_allowance_exceeded_total",
          "Packets dropped because traffic to link-local services (DNS resolver, instance metadata, time sync) "
              + "exceeded its packet-rate allowance (ENA linklocal_allowance_exceeded).",
          "device");
  static final MetricDescriptor CONNTRACK_AVAILABLE =
      MetricDescriptor.gauge(
          "nodescope_ena_conntrack_allowance_available",
          "Connections the instance can still track before reaching its allowance (ENA conntrack_allowance_available; "
              + "absent with drivers that do not report it).",
          "device");

  public EnaCollectorFactory() {
    super(INFO, List.of(BW_IN, BW_OUT, PPS, CONNTRACK, LINKLOCAL, CONNTRACK_AVAILABLE));
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    if (EnaCollector.interfaces(context.paths(), ENA_DRIVER).isEmpty()) {
      throw new SourceUnavailableException(
          "no network interface driven by "
              + ENA_DRIVER
              + " under "
              + context.paths().sys("class/net"));
    }
    return new EnaCollector(context.paths(), new IoctlEthtool(), ENA_DRIVER);
  }
}
