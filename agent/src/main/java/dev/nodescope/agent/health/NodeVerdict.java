package dev.nodescope.agent.health;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthTracker.DeviceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node condition {@code NodescopeAcceleratorHealthy} as the devices' states make it: False
 * (reason AcceleratorFailed) while any device is fatal; True with reason AcceleratorDegraded while
 * any is degraded; True with AcceleratorsHealthy otherwise. The message names each device that is
 * not healthy and its causes.
 */
record NodeVerdict(boolean healthy, String reason, String message) {
  static final String CONDITION_TYPE = "NodescopeAcceleratorHealthy";
  static final String FAILED = "AcceleratorFailed";
  static final String DEGRADED = "AcceleratorDegraded";
  static final String HEALTHY = "AcceleratorsHealthy";

  static NodeVerdict of(List<DeviceStatus> statuses) {
    List<String> failed = new ArrayList<>();
    List<String> degraded = new ArrayList<>();
    for (DeviceStatus status : statuses) {
      if (status.state() == Action.FATAL) {
        failed.add(describe(status));
      } else if (status.state() == Action.DEGRADED) {
        degraded.add(describe(status));
      }
    }
    List<String> parts = new ArrayList<>(failed);
    parts.addAll(degraded);
    String message = String.join("; ", parts);
    if (!failed.isEmpty()) {
      return new NodeVerdict(false, FAILED, message);
    }
    if (!degraded.isEmpty()) {
      return new NodeVerdict(true, DEGRADED, message);
    }
    return new NodeVerdict(
        true,
        HEALTHY,
        "all " + statuses.size() + " accelerators healthy (Nodescope health policy)");
  }

  /** "nvidia1 failed: gpu_lost, xid_79 (degraded: xid_13)". */
  private static String describe(DeviceStatus status) {
    List<String> worst = new ArrayList<>();
    List<String> lesser = new ArrayList<>();
    for (Map.Entry<String, Action> cause : status.tripped().entrySet()) {
      (cause.getValue() == status.state() ? worst : lesser).add(cause.getKey());
    }
    String text =
        status.device().device()
            + (status.state() == Action.FATAL ? " failed: " : " degraded: ")
            + String.join(", ", worst);
    return lesser.isEmpty() ? text : text + " (degraded: " + String.join(", ", lesser) + ")";
  }
}
