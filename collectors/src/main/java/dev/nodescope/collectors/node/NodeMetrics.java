package dev.nodescope.collectors.node;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/**
 * The series of the {@code node} collector, named after node_exporter's under {@code
 * nodescope_node_}.
 */
public final class NodeMetrics {
  public static final MetricDescriptor CPU_SECONDS =
      counter(
          "nodescope_node_cpu_seconds_total",
          "Seconds each CPU spent in each mode, from /proc/stat.",
          "cpu",
          "mode");
  public static final MetricDescriptor CPUS =
      gauge("nodescope_node_cpus", "Number of online logical CPUs.");
  public static final MetricDescriptor MEMORY_TOTAL =
      gauge(
          "nodescope_node_memory_total_bytes",
          "Usable physical memory (MemTotal of /proc/meminfo).");
  public static final MetricDescriptor MEMORY_AVAILABLE =
      gauge(
          "nodescope_node_memory_available_bytes",
          "Memory available for new workloads without swapping (MemAvailable of /proc/meminfo).");
  public static final MetricDescriptor MEMORY_USED =
      gauge("nodescope_node_memory_used_bytes", "Memory in use: total minus available.");
  public static final MetricDescriptor NETWORK_RECEIVE_BYTES =
      counter(
          "nodescope_node_network_receive_bytes_total",
          "Bytes received by the interface.",
          "device");
  public static final MetricDescriptor NETWORK_RECEIVE_PACKETS =
      counter(
          "nodescope_node_network_receive_packets_total",
          "Packets received by the interface.",
          "device");
  public static final MetricDescriptor NETWORK_RECEIVE_ERRORS =
      counter(
          "nodescope_node_network_receive_errors_total",
          "Receive errors of the interface.",
          "device");
  public static final MetricDescriptor NETWORK_RECEIVE_DROPS =
      counter(
          "nodescope_node_network_receive_drops_total",
          "Received packets dropped by the interface.",
          "device");
  public static final MetricDescriptor NETWORK_TRANSMIT_BYTES =
      counter(
          "nodescope_node_network_transmit_bytes_total",
          "Bytes transmitted by the interface.",
          "device");
  public static final MetricDescriptor NETWORK_TRANSMIT_PACKETS =
      counter(
          "nodescope_node_network_transmit_packets_total",
          "Packets transmitted by the interface.",
          "device");
  public static final MetricDescriptor NETWORK_TRANSMIT_ERRORS =
      counter(
          "nodescope_node_network_transmit_errors_total",
          "Transmit errors of the interface.",
          "device");
  public static final MetricDescriptor NETWORK_TRANSMIT_DROPS =
      counter(
          "nodescope_node_network_transmit_drops_total",
          "Packets dropped by the interface on transmit.",
          "device");
  public static final MetricDescriptor FILESYSTEM_SIZE =
      gauge(
          "nodescope_node_filesystem_size_bytes",
          "Size of the filesystem.",
          "device",
          "mountpoint",
          "fstype");
  public static final MetricDescriptor FILESYSTEM_FREE =
      gauge(
          "nodescope_node_filesystem_free_bytes",
          "Free space of the filesystem, including blocks reserved for root.",
          "device",
          "mountpoint",
          "fstype");
  public static final MetricDescriptor FILESYSTEM_AVAIL =
      gauge(
          "nodescope_node_filesystem_avail_bytes",
          "Space of the filesystem available to unprivileged users.",
          "device",
          "mountpoint",
          "fstype");
  public static final MetricDescriptor LOAD1 =
      gauge("nodescope_node_load1", "1-minute load average.");
  public static final MetricDescriptor LOAD5 =
      gauge("nodescope_node_load5", "5-minute load average.");
  public static final MetricDescriptor LOAD15 =
      gauge("nodescope_node_load15", "15-minute load average.");
  public static final MetricDescriptor UPTIME =
      gauge("nodescope_node_uptime_seconds", "Seconds since the node booted.");

  public static final List<MetricDescriptor> ALL =
      List.of(
          CPU_SECONDS,
          CPUS,
          MEMORY_TOTAL,
          MEMORY_AVAILABLE,
          MEMORY_USED,
          NETWORK_RECEIVE_BYTES,
          NETWORK_RECEIVE_PACKETS,
          NETWORK_RECEIVE_ERRORS,
          NETWORK_RECEIVE_DROPS,
          NETWORK_TRANSMIT_BYTES,
          NETWORK_TRANSMIT_PACKETS,
          NETWORK_TRANSMIT_ERRORS,
          NETWORK_TRANSMIT_DROPS,
          FILESYSTEM_SIZE,
          FILESYSTEM_FREE,
          FILESYSTEM_AVAIL,
          LOAD1,
          LOAD5,
          LOAD15,
          UPTIME);

  private NodeMetrics() {}
}
