package dev.nodescope.agent.cloudwatch;

import static dev.nodescope.agent.cloudwatch.InsightsContext.groupBy;
import static dev.nodescope.agent.cloudwatch.InsightsContext.value;

import dev.nodescope.agent.cloudwatch.InsightsContext.EntityRows;
import dev.nodescope.agent.cloudwatch.InsightsContext.PodIdentity;
import dev.nodescope.agent.cloudwatch.NodeEvents.NodeFacts;
import dev.nodescope.agent.cloudwatch.PerformanceEvent.Metric;
import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.kubernetes.KubernetesMetrics;
import dev.nodescope.collectors.pods.PodsMetrics;
import dev.nodescope.collectors.pods.PodsMetrics.ResourceMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Container Insights events of pods and containers: Pod (CPU, memory, network, restarts),
 * PodNet and Container.
 */
final class PodEvents {
  static final List<List<String>> POD_DIMENSIONS =
      List.of(
          List.of("PodName", "Namespace", "ClusterName"),
          List.of("Namespace", "ClusterName"),
          List.of("ClusterName"));
  static final List<List<String>> CONTAINER_DIMENSIONS =
      List.of(List.of("ClusterName", "ContainerName", "Namespace", "PodName"));

  private final InsightsContext context;

  PodEvents(InsightsContext context) {
    this.context = context;
  }

  void map(
      SnapshotIndex index,
      Map<String, PodInfo> podsByUid,
      NodeFacts node,
      List<PerformanceEvent> events) {
    Map<String, Double> restartsByPod = new HashMap<>();
    Map<String, Double> restartsByContainer = new HashMap<>();
    for (Row row : index.rows(KubernetesMetrics.CONTAINER_RESTARTS)) {
      String pod = row.label("namespace") + "/" + row.label("pod");
      restartsByPod.merge(pod, row.value(), Double::sum);
      restartsByContainer.put(pod + "/" + row.label("container"), row.value());
    }
    Map<String, EntityRows> podRows =
        groupBy(
            index,
            row -> row.label("uid"),
            Stream.concat(
                    PodsMetrics.POD.all().stream(),
                    Stream.of(
                        PodsMetrics.NETWORK_RECEIVE_BYTES,
                        PodsMetrics.NETWORK_TRANSMIT_BYTES,
                        PodsMetrics.NETWORK_RECEIVE_PACKETS,
                        PodsMetrics.NETWORK_TRANSMIT_PACKETS))
                .toList());
    podRows.forEach(
        (uid, rows) -> {
          PodIdentity pod = context.identity(podsByUid.get(uid), rows.any(), uid);
          double rx = context.rate(rows.get(PodsMetrics.NETWORK_RECEIVE_BYTES));
          double tx = context.rate(rows.get(PodsMetrics.NETWORK_TRANSMIT_BYTES));
          List<Metric> metrics = cpuAndMemory("pod", PodsMetrics.POD, rows, node);
          metrics.add(new Metric("pod_network_rx_bytes", rx, "Bytes/Second"));
          metrics.add(new Metric("pod_network_tx_bytes", tx, "Bytes/Second"));
          metrics.add(
              new Metric(
                  "pod_number_of_container_restarts",
                  restartsByPod.getOrDefault(pod.namespace() + "/" + pod.fullName(), Double.NaN),
                  "Count"));
          events.add(new PerformanceEvent("Pod", pod.fields(null), metrics, POD_DIMENSIONS));
          if (rows.has(PodsMetrics.NETWORK_RECEIVE_BYTES)) {
            events.add(
                new PerformanceEvent(
                    "PodNet",
                    pod.fields(null),
                    List.of(
                        new Metric("pod_interface_network_rx_bytes", rx, "Bytes/Second"),
                        new Metric("pod_interface_network_tx_bytes", tx, "Bytes/Second"),
                        new Metric(
                            "pod_interface_network_rx_packets",
                            context.rate(rows.get(PodsMetrics.NETWORK_RECEIVE_PACKETS)),
                            "Count/Second"),
                        new Metric(
                            "pod_interface_network_tx_packets",
                            context.rate(rows.get(PodsMetrics.NETWORK_TRANSMIT_PACKETS)),
                            "Count/Second")),
                    List.of()));
          }
        });
    Map<String, EntityRows> containerRows =
        groupBy(
            index,
            row -> row.label("uid") + "/" + row.label("container"),
            PodsMetrics.CONTAINER.all());
    containerRows.forEach(
        (key, rows) -> {
          Row any = rows.any();
          PodIdentity pod =
              context.identity(podsByUid.get(any.label("uid")), any, any.label("uid"));
          String container = any.label("container");
          List<Metric> metrics = cpuAndMemory("container", PodsMetrics.CONTAINER, rows, node);
          metrics.add(
              new Metric(
                  "number_of_container_restarts",
                  restartsByContainer.getOrDefault(
                      pod.namespace() + "/" + pod.fullName() + "/" + container, Double.NaN),
                  "Count"));
          events.add(
              new PerformanceEvent(
                  "Container", pod.fields(container), metrics, CONTAINER_DIMENSIONS));
        });
  }

  /**
   * CPU and memory of a pod or a container ({@code entity}) from its resource rows: usage, limits,
   * and utilization of the node and of the limit, in a list the caller adds its own metrics to.
   */
  private List<Metric> cpuAndMemory(
      String entity, ResourceMetrics source, EntityRows rows, NodeFacts node) {
    double cores = context.rate(rows.get(source.cpuUsage()));
    double workingSet = value(rows.get(source.workingSet()));
    double cpuLimit = value(rows.get(source.cpuLimit()));
    double memoryLimit = value(rows.get(source.memoryLimit()));
    String overLimit = "_over_" + entity + "_limit";
    return new ArrayList<>(
        List.of(
            new Metric(entity + "_cpu_utilization", cores / node.cpus() * 100, "Percent"),
            new Metric(entity + "_cpu_usage_total", cores * 1000, "None"),
            new Metric(entity + "_cpu_limit", cpuLimit * 1000, "None"),
            new Metric(entity + "_cpu_utilization" + overLimit, cores / cpuLimit * 100, "Percent"),
            new Metric(
                entity + "_memory_utilization", workingSet / node.memoryTotal() * 100, "Percent"),
            new Metric(entity + "_memory_working_set", workingSet, "Bytes"),
            new Metric(entity + "_memory_limit", memoryLimit, "Bytes"),
            new Metric(
                entity + "_memory_utilization" + overLimit,
                workingSet / memoryLimit * 100,
                "Percent")));
  }
}
