package dev.nodescope.agent.health;

import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.core.FlagValues;
import java.time.Duration;
import java.util.Optional;

/** The health settings, checked before the agent starts (exit 2 on any problem). */
public record HealthSettings(
    HealthPolicy policy, boolean nodeConditions, Optional<TaintSpec> taint, Duration interval) {

  public static HealthSettings from(FlagValues values) throws UsageException {
    HealthPolicy policy =
        values.get(HealthFlags.POLICY_FILE) == null
            ? HealthPolicy.defaults()
            : HealthPolicy.load(values.get(HealthFlags.POLICY_FILE));
    Optional<TaintSpec> taint = TaintSpec.parse(values.get(HealthFlags.TAINT));
    boolean nodeConditions = values.get(HealthFlags.NODE_CONDITIONS);
    if (taint.isPresent() && !nodeConditions) {
      throw new UsageException("--health.taint needs --health.node-conditions");
    }
    Duration interval = values.get(HealthFlags.INTERVAL);
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new UsageException("--health.interval must be at least 1s");
    }
    return new HealthSettings(policy, nodeConditions, taint, interval);
  }
}
