package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.kubernetes.KubernetesAccess;
import java.util.Optional;
import java.util.Set;

/** Checks that need more than one flag or more than a type: done before anything starts. */
final class AgentSettings {
  private static final Set<String> RESERVED_PATHS = Set.of("/", "/healthz", "/readyz");

  private AgentSettings() {}

  static void validate(FlagValues values) throws UsageException {
    String path = values.get(AgentFlags.TELEMETRY_PATH);
    if (!path.startsWith("/") || RESERVED_PATHS.contains(path)) {
      throw new UsageException("--web.telemetry-path must start with / and not be one of " + RESERVED_PATHS);
    }
    if (values.get(AgentFlags.SERIES_LIMIT) < 1) {
      throw new UsageException("--web.max-series-per-metric must be positive");
    }
    Optional<String> kubeconfigProblem = KubernetesAccess.problemWith(values.get(AgentFlags.KUBECONFIG));
    if (kubeconfigProblem.isPresent()) {
      throw new UsageException(kubeconfigProblem.get());
    }
  }

  static void validateCollector(String name, java.time.Duration interval, java.time.Duration timeout)
      throws UsageException {
    if (interval.isZero()) {
      throw new UsageException("--collector." + name + ".interval must be positive");
    }
    if (timeout.isZero() || timeout.compareTo(interval) > 0) {
      throw new UsageException("--collector." + name + ".timeout must be positive and at most the interval ("
          + interval.toMillis() + "ms)");
    }
  }
}
