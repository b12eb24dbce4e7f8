package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The series of the {@code pods} collector: resources of each pod and container, each pod's
 * traffic.
 */
public final class PodsMetrics {
  private static final String[] POD_LABELS = {"namespace", "pod", "uid"};
  private static final String[] CONTAINER_LABELS = {"namespace", "pod", "container", "uid"};

  /** The four resource metrics, once for pods and once for containers. */
  public record ResourceMetrics(
      MetricDescriptor cpuUsage,
      MetricDescriptor workingSet,
      MetricDescriptor cpuLimit,
      MetricDescriptor memoryLimit) {
    static ResourceMetrics of(String prefix, String what, String... labels) {
      return new ResourceMetrics(
          counter(
              prefix + "_cpu_usage_seconds_total",
              "CPU time consumed by the " + what + ", from its cgroup.",
              labels),
          gauge(
              prefix + "_memory_working_set_bytes",
              "Memory working set of the "
                  + what
                  + ": usage minus inactive file cache, as the kubelet computes it for eviction.",
              labels),
          gauge(
              prefix + "_cpu_limit_cores",
              "CPU quota of the " + what + "'s cgroup in cores; absent when" + " unlimited.",
              labels),
          gauge(
              prefix + "_memory_limit_bytes",
              "Memory limit of the " + what + "'s cgroup; absent when unlimited.",
              labels));
    }

    public List<MetricDescriptor> all() {
      return List.of(cpuUsage, workingSet, cpuLimit, memoryLimit);
    }
  }

  public static final ResourceMetrics POD = ResourceMetrics.of("nodescope_pod", "pod", POD_LABELS);
  public static final ResourceMetrics CONTAINER =
      ResourceMetrics.of("nodescope_container", "container", CONTAINER_LABELS);
  public static final MetricDescriptor NETWORK_RECEIVE_BYTES =
      counter(
          "nodescope_pod_network_receive_bytes_total",
          "Bytes received on the pod's network interfaces (its own network namespace, loopback excluded).",
          POD_LABELS);
  public static final MetricDescriptor NETWORK_RECEIVE_PACKETS =
      counter(
          "nodescope_pod_network_receive_packets_total",
          "Packets received on the pod's network interfaces (loopback excluded).",
          POD_LABELS);
  public static final MetricDescriptor NETWORK_TRANSMIT_BYTES =
      counter(
          "nodescope_pod_network_transmit_bytes_total",
          "Bytes transmitted on the pod's network interfaces (loopback excluded).",
          POD_LABELS);
  public static final MetricDescriptor NETWORK_TRANSMIT_PACKETS =
      counter(
          "nodescope_pod_network_transmit_packets_total",
          "Packets transmitted on the pod's network interfaces (loopback excluded).",
          POD_LABELS);

  public static final List<MetricDescriptor> ALL;

  static {
    List<MetricDescriptor> all = new ArrayList<>(POD.all());
    all.addAll(
        List.of(
            NETWORK_RECEIVE_BYTES,
            NETWORK_RECEIVE_PACKETS,
            NETWORK_TRANSMIT_BYTES,
            NETWORK_TRANSMIT_PACKETS));
    all.addAll(CONTAINER.all());
    ALL = List.copyOf(all);
  }

  private PodsMetrics() {}
}
