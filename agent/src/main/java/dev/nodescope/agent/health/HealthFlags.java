package dev.nodescope.agent.health;

import dev.nodescope.collectors.core.Flag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Flags of accelerator health ({@code --health.*}). The health metrics come with the nvidia or
 * neuron collector; writing to the Node is opt-in.
 */
public final class HealthFlags {
  public static final Flag<Path> POLICY_FILE =
      Flag.path(
          "health.policy-file",
          null,
          "YAML health policy: per XID and cause, fatal, degraded or ignore, count within a window, and the clean"
              + " time before recovery; default: the shipped policy (docs/collectors/health.md).");
  public static final Flag<Boolean> NODE_CONDITIONS =
      Flag.bool(
          "health.node-conditions",
          false,
          "Set the NodescopeAcceleratorHealthy condition on this node's status and record an Event on each"
              + " change (needs nodes/status patch and events create).");
  public static final Flag<String> TAINT =
      Flag.string(
          "health.taint",
          null,
          "With --health.node-conditions, taint this node (key[=value]:effect) while an accelerator is failed,"
              + " and remove the taint on recovery (needs nodes patch).");
  public static final Flag<Duration> INTERVAL =
      Flag.duration(
          "health.interval",
          Duration.ofSeconds(5),
          "How often accelerator health is evaluated from the latest snapshots.");

  public static final List<Flag<?>> ALL = List.of(POLICY_FILE, NODE_CONDITIONS, TAINT, INTERVAL);

  private HealthFlags() {}
}
