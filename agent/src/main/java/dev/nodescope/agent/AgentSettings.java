package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.agent.cloudwatch.CloudWatchSettings;
import dev.nodescope.agent.health.HealthSettings;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.kubernetes.KubernetesAccess;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Checks that need more than one flag or more than a type: done before anything starts. */
final class AgentSettings {
  /** A list, not a set: the message names them in a stable order. */
  private static final List<String> RESERVED_PATHS = List.of("/", "/healthz", "/readyz");

  private AgentSettings() {}

  static void validate(FlagValues values, CollectorCatalog catalog) throws UsageException {
    String path = values.get(AgentFlags.TELEMETRY_PATH);
    if (!path.startsWith("/") || RESERVED_PATHS.contains(path)) {
      throw new UsageException(
          "--web.telemetry-path must start with / and not be one of " + RESERVED_PATHS);
    }
    for (CollectorFactory factory : catalog.factories()) {
      if (values.get(CollectorCatalog.enabledFlag(factory))) {
        validateCollector(
            factory.name(),
            values.get(CollectorCatalog.intervalFlag(factory)),
            values.get(CollectorCatalog.timeoutFlag(factory)));
      }
    }
    CloudWatchSettings.from(values);
    HealthSettings.from(values);
    Optional<String> kubeconfigProblem =
        KubernetesAccess.problemWith(values.get(AgentFlags.KUBECONFIG));
    if (kubeconfigProblem.isPresent()) {
      throw new UsageException(kubeconfigProblem.get());
    }
  }

  private static void validateCollector(String name, Duration interval, Duration timeout)
      throws UsageException {
    if (interval.isZero()) {
      throw new UsageException("--collector." + name + ".interval must be positive");
    }
    if (timeout.isZero() || timeout.compareTo(interval) > 0) {
      throw new UsageException(
          "--collector."
              + name
              + ".timeout must be positive and at most the interval ("
              + interval.toMillis()
              + "ms)");
    }
  }
}
