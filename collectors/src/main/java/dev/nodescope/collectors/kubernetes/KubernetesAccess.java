package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the API server is and how to authenticate: the {@code --kubernetes.kubeconfig} file when
 * given, else the pod's service account when running in a cluster, else {@code $KUBECONFIG}.
 * Nothing else: a host that happens to have {@code ~/.kube/config} still runs in node mode unless
 * told otherwise.
 */
public final class KubernetesAccess {
  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private KubernetesAccess() {}

  /**
   * The client configuration, or empty when this agent has no way to reach an API server (node
   * mode).
   */
  public static Optional<Config> resolve(Path kubeconfigFlag, Map<String, String> env) {
    return resolve(kubeconfigFlag, env, SERVICE_ACCOUNT_TOKEN);
  }

  static Optional<Config> resolve(
      Path kubeconfigFlag, Map<String, String> env, Path serviceAccountToken) {
    if (kubeconfigFlag != null) {
      return Optional.of(tuned(Config.fromKubeconfig(kubeconfigFlag.toFile())));
    }
    String serviceHost = env.get("KUBERNETES_SERVICE_HOST");
    boolean inCluster =
        serviceHost != null && !serviceHost.isBlank() && Files.isReadable(serviceAccountToken);
    String kubeconfig = env.get("KUBECONFIG");
    if (inCluster || (kubeconfig != null && !kubeconfig.isBlank())) {
      // fabric8's own discovery reads the service account (and refreshes its rotating token) or
      // $KUBECONFIG.
      return Optional.of(tuned(Config.autoConfigure(null)));
    }
    return Optional.empty();
  }

  /**
   * Settings for long-lived watches from every node: reconnect from 1 s, backing off to 32 s, so
   * that thousands of agents do not hammer an API server that is coming back.
   */
  private static Config tuned(Config config) {
    config.setWatchReconnectInterval(1000);
    config.setRequestRetryBackoffLimit(3);
    return config;
  }

  /**
   * Whether the file named by the flag can be used; checked at start-up so that a typo exits with
   * status 2.
   */
  public static Optional<String> problemWith(Path kubeconfigFlag) {
    if (kubeconfigFlag != null && !Files.isReadable(kubeconfigFlag)) {
      return Optional.of("--kubernetes.kubeconfig " + kubeconfigFlag + " is not a readable file");
    }
    return Optional.empty();
  }
}
