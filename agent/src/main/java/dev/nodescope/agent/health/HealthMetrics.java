package dev.nodescope.agent.health;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthTracker.DeviceStatus;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Accelerator health as metrics, published into the registry as the snapshot of collector "health"
 * so that they are served on /metrics like any other.
 */
public final class HealthMetrics {
  public static final String COLLECTOR = "health";

  public static final MetricDescriptor HEALTHY =
      MetricDescriptor.gauge(
          "nodescope_accelerator_healthy",
          "1 unless a fatal rule of the health policy holds for the accelerator (device: nvidia<N> or"
              + " neuron<N>; kind: gpu or neuron).",
          "device",
          "kind");
  public static final MetricDescriptor DEGRADED =
      MetricDescriptor.gauge(
          "nodescope_accelerator_degraded",
          "1 while a degraded rule of the health policy holds for the accelerator, else 0.",
          "device",
          "kind");
  public static final MetricDescriptor EVENTS =
      MetricDescriptor.counter(
          "nodescope_accelerator_health_events_total",
          "Health events per accelerator and cause (xid_<code>, gpu_lost, ecc_uncorrectable,"
              + " row_remap_failure, row_remap_pending, neuron_<type>_ecc_<corrected|uncorrected>) since the agent"
              + " started, ignored ones included.",
          "device",
          "kind",
          "cause");
  public static final MetricDescriptor NODE_UPDATE_ERRORS =
      MetricDescriptor.counter(
          "nodescope_accelerator_health_node_update_errors_total",
          "Failed writes to this node (operation: condition, event, taint); each is retried at the next"
              + " evaluation.",
          "operation");

  public static final List<MetricDescriptor> ALL =
      List.of(HEALTHY, DEGRADED, EVENTS, NODE_UPDATE_ERRORS);

  private final Map<String, LongAdder> nodeUpdateErrors = new ConcurrentHashMap<>();

  void nodeUpdateFailed(String operation) {
    nodeUpdateErrors.computeIfAbsent(operation, o -> new LongAdder()).increment();
  }

  void publish(SnapshotRegistry registry, List<DeviceStatus> statuses, Clock clock) {
    SnapshotBuilder builder = new SnapshotBuilder(COLLECTOR, ALL);
    for (DeviceStatus status : statuses) {
      String device = status.device().device();
      String kind = status.device().kind();
      builder.add(HEALTHY, status.state() == Action.FATAL ? 0 : 1, device, kind);
      builder.add(DEGRADED, status.state() == Action.DEGRADED ? 1 : 0, device, kind);
      status
          .events()
          .forEach((cause, count) -> builder.add(EVENTS, (double) count, device, kind, cause));
    }
    nodeUpdateErrors.forEach(
        (operation, count) -> builder.add(NODE_UPDATE_ERRORS, (double) count.sum(), operation));
    registry.publish(builder.build(clock));
  }
}
