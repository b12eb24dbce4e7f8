package dev.nodescope.collectors.tcp;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.List;

/** The kernel drop-reason series of the {@code tcp} collector. */
public final class DropsMetrics {
  static final MetricDescriptor PACKET_DROPS =
      counter(
          "nodescope_packet_drops_total",
          "Packets the kernel dropped on this node, by the kernel's drop reason (skb:kfree_skb,"
              + " kernel 5.17+; names from the kernel's BTF, such as NETFILTER_DROP).",
          "reason");
  static final MetricDescriptor POD_PACKET_DROPS =
      counter(
          "nodescope_pod_packet_drops_total",
          "Packets the kernel dropped inside a pod's network namespace, by drop reason.",
          "namespace",
          "pod",
          "reason");
  static final MetricDescriptor UNCOUNTED_DROPS =
      counter(
          "nodescope_packet_drops_uncounted_total",
          "Drops not counted by reason because the kernel map of reasons was full.");

  private DropsMetrics() {}

  public static List<MetricDescriptor> all() {
    return List.of(PACKET_DROPS, POD_PACKET_DROPS, UNCOUNTED_DROPS);
  }
}
