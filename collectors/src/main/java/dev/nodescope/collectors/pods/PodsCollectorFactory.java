package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.core.MetricDescriptor.counter;
import static dev.nodescope.collectors.core.MetricDescriptor.gauge;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * CPU, memory and limits of each pod and container from the kubelet's cgroups; each pod's network
 * traffic.
 */
public final class PodsCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "pods",
          Duration.ofSeconds(15),
          "CPU, memory, limits and network traffic of each pod and container, from the kubelet's cgroups.");
  private static final String[] POD_LABELS = {"namespace", "pod", "uid"};
  private static final String[] CONTAINER_LABELS = {"namespace", "pod", "container", "uid"};

  /** The four resource metrics, once for pods and once for containers. */
  record ResourceMetrics(
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

    List<MetricDescriptor> all() {
      return List.of(cpuUsage, workingSet, cpuLimit, memoryLimit);
    }
  }

  static final ResourceMetrics POD = ResourceMetrics.of("nodescope_pod", "pod", POD_LABELS);
  static final ResourceMetrics CONTAINER =
      ResourceMetrics.of("nodescope_container", "container", CONTAINER_LABELS);
  static final MetricDescriptor NETWORK_RECEIVE_BYTES =
      counter(
          "nodescope_pod_network_receive_bytes_total",
          "Bytes received on the pod's network interfaces (its own network namespace, loopback excluded).",
          POD_LABELS);
  static final MetricDescriptor NETWORK_RECEIVE_PACKETS =
      counter(
          "nodescope_pod_network_receive_packets_total",
          "Packets received on the pod's network interfaces (loopback excluded).",
          POD_LABELS);
  static final MetricDescriptor NETWORK_TRANSMIT_BYTES =
      counter(
          "nodescope_pod_network_transmit_bytes_total",
          "Bytes transmitted on the pod's network interfaces (loopback excluded).",
          POD_LABELS);
  static final MetricDescriptor NETWORK_TRANSMIT_PACKETS =
      counter(
          "nodescope_pod_network_transmit_packets_total",
          "Packets transmitted on the pod's network interfaces (loopback excluded).",
          POD_LABELS);

  static final List<MetricDescriptor> DESCRIPTORS;

  static {
    List<MetricDescriptor> all = new java.util.ArrayList<>(POD.all());
    all.addAll(
        List.of(
            NETWORK_RECEIVE_BYTES,
            NETWORK_RECEIVE_PACKETS,
            NETWORK_TRANSMIT_BYTES,
            NETWORK_TRANSMIT_PACKETS));
    all.addAll(CONTAINER.all());
    DESCRIPTORS = List.copyOf(all);
  }

  public PodsCollectorFactory() {
    super(INFO, DESCRIPTORS);
  }

  @Override
  public Collector create(CollectorContext context) throws SourceUnavailableException {
    Path cgroupRoot = context.paths().sys("fs/cgroup");
    CgroupReader reader = CgroupReader.detect(cgroupRoot);
    if (KubepodsTree.kubepodsRoots(reader.hierarchy()).isEmpty()) {
      throw new SourceUnavailableException(
          "no kubelet cgroup ("
              + String.join(" or ", KubepodsTree.KUBEPODS)
              + ") under "
              + reader.hierarchy());
    }
    return new PodsCollector(context.paths(), reader, context.pods());
  }
}
