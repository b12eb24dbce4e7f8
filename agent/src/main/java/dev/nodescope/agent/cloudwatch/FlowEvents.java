package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.PerformanceEvent.Metric;
import dev.nodescope.agent.cloudwatch.SnapshotIndex.Row;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.flows.FlowsMetrics;
import dev.nodescope.collectors.tcp.TcpMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PodFlow events, one per flow series, log-only so that Logs Insights can rank pod-to-pod traffic
 * without a billed metric per peer. Counters are per-interval deltas. The tcp collector's health of
 * a pod pair (its series have the flow labels less direction) rides on the pair's {@code tx} event:
 * retransmitted segments, timeouts and failed connects in the interval, and the mean smoothed RTT
 * of the interval's RTT samples.
 */
final class FlowEvents {
  /** The event's fields by the flow series they come from, in the event's order. */
  private static final Map<MetricDescriptor, String> FIELDS = fields();

  /** The tcp collector's counters on the tx event, by the field they fill. */
  private static final Map<MetricDescriptor, String> TCP_FIELDS = tcpFields();

  /** The flow direction whose event carries a pod pair's TCP health: what the pod sends. */
  private static final String TCP_DIRECTION = "tx";

  private final InsightsContext context;

  FlowEvents(InsightsContext context) {
    this.context = context;
  }

  void map(SnapshotIndex index, Map<String, PodInfo> podsByName, List<PerformanceEvent> events) {
    Map<Map<String, String>, List<Metric>> flows = new LinkedHashMap<>();
    FIELDS.forEach(
        (metric, name) -> {
          for (Row row : index.rows(metric)) {
            double value = row.counter() ? context.delta(row) : row.value();
            flows
                .computeIfAbsent(row.labels(), l -> new ArrayList<>())
                .add(new Metric(name, value, name.endsWith("bytes") ? "Bytes" : "Count"));
          }
        });
    TCP_FIELDS.forEach(
        (metric, name) -> {
          for (Row row : index.rows(metric)) {
            flows
                .computeIfAbsent(txLabels(row), l -> new ArrayList<>())
                .add(new Metric(name, context.delta(row), "Count"));
          }
        });
    for (Row row : index.rows(TcpMetrics.RTT)) {
      double samples = context.delta(row);
      double seconds =
          context.delta(
              new Row(row.metric() + "_sum", row.labels(), row.sum(), true, row.atMillis(), 0));
      List<Metric> metrics = flows.computeIfAbsent(txLabels(row), l -> new ArrayList<>());
      metrics.add(new Metric("pod_flow_tcp_rtt_samples", samples, "Count"));
      if (samples > 0) {
        metrics.add(new Metric("pod_flow_tcp_rtt_seconds", seconds / samples, "Seconds"));
      }
    }
    flows.forEach(
        (labels, metrics) -> {
          PodInfo local = podsByName.get(labels.get("namespace") + "/" + labels.get("pod"));
          Map<String, Object> fields = context.nodeFields();
          fields.put("Namespace", labels.get("namespace"));
          fields.put("FullPodName", labels.get("pod"));
          fields.put(
              "PodName",
              local == null ? labels.get("pod") : InsightsContext.workloadPodName(local));
          fields.put("Workload", local == null ? "" : local.ownerName());
          fields.put("WorkloadKind", local == null ? "" : local.ownerKind());
          fields.put("Direction", labels.get("direction"));
          fields.put("RemoteNamespace", labels.get("remote_namespace"));
          fields.put("RemotePod", labels.get("remote_pod"));
          fields.put("RemoteService", labels.get("remote_service"));
          fields.put("RemoteKind", labels.get("remote_kind"));
          fields.put("Locality", labels.get("locality"));
          fields.put("Protocol", labels.get("protocol"));
          fields.put("Port", labels.get("port"));
          fields.put("Role", labels.get("role"));
          events.add(new PerformanceEvent("PodFlow", fields, metrics, List.of()));
        });
  }

  private static Map<MetricDescriptor, String> fields() {
    Map<MetricDescriptor, String> fields = new LinkedHashMap<>();
    fields.put(FlowsMetrics.BYTES, "pod_flow_bytes");
    fields.put(FlowsMetrics.PACKETS, "pod_flow_packets");
    fields.put(FlowsMetrics.CONNECTIONS, "pod_flow_connections");
    fields.put(FlowsMetrics.ACTIVE, "pod_flow_active_connections");
    return Collections.unmodifiableMap(fields);
  }

  private static Map<MetricDescriptor, String> tcpFields() {
    Map<MetricDescriptor, String> fields = new LinkedHashMap<>();
    fields.put(TcpMetrics.RETRANSMITTED, "pod_flow_tcp_retransmitted_segments");
    fields.put(TcpMetrics.TIMEOUTS, "pod_flow_tcp_timeouts");
    fields.put(TcpMetrics.FAILED, "pod_flow_tcp_connections_failed");
    return Collections.unmodifiableMap(fields);
  }

  /** The labels of the flow series a tcp series belongs with: its own, direction tx. */
  private static Map<String, String> txLabels(Row row) {
    Map<String, String> labels = new LinkedHashMap<>(row.labels());
    labels.put("direction", TCP_DIRECTION);
    return labels;
  }
}
