package dev.nodescope.collectors.ena;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/** The series of the {@code ena} collector: the ENA driver's allowance counters. */
public final class EnaMetrics {
  public static final MetricDescriptor BW_IN =
      MetricDescriptor.counter(
          "nodescope_ena_bw_in_allowance_exceeded_total",
          "Packets queued or dropped because the inbound bandwidth exceeded the instance's allowance "
              + "(ENA bw_in_allowance_exceeded).",
          "device");
  public static final MetricDescriptor BW_OUT =
      MetricDescriptor.counter(
          "nodescope_ena_bw_out_allowance_exceeded_total",
          "Packets queued or dropped because the outbound bandwidth exceeded the instance's allowance "
              + "(ENA bw_out_allowance_exceeded).",
          "device");
  public static final MetricDescriptor PPS =
      MetricDescriptor.counter(
          "nodescope_ena_pps_allowance_exceeded_total",
          "Packets queued or dropped because the packet rate exceeded the instance's allowance "
              + "(ENA pps_allowance_exceeded).",
          "device");
  public static final MetricDescriptor CONNTRACK =
      MetricDescriptor.counter(
          "nodescope_ena_conntrack_allowance_exceeded_total",
          "Packets dropped because the instance tracked as many connections as its allowance permits "
              + "(ENA conntrack_allowance_exceeded).",
          "device");
  public static final MetricDescriptor LINKLOCAL =
      MetricDescriptor.counter(
          "nodescope_ena_linklocal_allowance_exceeded_total",
          "Packets dropped because traffic to link-local services (DNS resolver, instance metadata, time sync) "
              + "exceeded its packet-rate allowance (ENA linklocal_allowance_exceeded).",
          "device");
  public static final MetricDescriptor CONNTRACK_AVAILABLE =
      MetricDescriptor.gauge(
          "nodescope_ena_conntrack_allowance_available",
          "Connections the instance can still track before reaching its allowance (ENA conntrack_allowance_available; "
              + "absent with drivers that do not report it).",
          "device");

  public static final List<MetricDescriptor> ALL =
      List.of(BW_IN, BW_OUT, PPS, CONNTRACK, LINKLOCAL, CONNTRACK_AVAILABLE);

  private EnaMetrics() {}
}
