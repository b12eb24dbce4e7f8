package dev.nodescope.collectors.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.FakeApiServer;
import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the agent finds (or does not find) its API server. */
class KubernetesAccessTest {
  @TempDir Path temp;

  @Test
  void theKubeconfigFlagWins() throws Exception {
    try (FakeApiServer api = new FakeApiServer()) {
      Path kubeconfig = api.writeKubeconfig(temp);
      Config config =
          KubernetesAccess.resolve(
                  kubeconfig,
                  Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                  temp.resolve("no-token"))
              .orElseThrow();
      assertThat(config.getMasterUrl()).startsWith(api.url());
      assertThat(config.getAutoOAuthToken()).isEqualTo("fake-token");
      assertThat(config.getWatchReconnectInterval()).isEqualTo(1000);
    }
  }

  @Test
  void noFlagNoClusterNoKubeconfigIsNodeMode() throws Exception {
    assertThat(KubernetesAccess.resolve(null, Map.of(), temp.resolve("token"))).isEmpty();
    // A service host without a mounted token (automountServiceAccountToken: false) is no access
    // either.
    assertThat(
            KubernetesAccess.resolve(
                null, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), temp.resolve("token")))
        .isEmpty();
    Files.writeString(temp.resolve("token"), "t");
    assertThat(
            KubernetesAccess.resolve(
                null, Map.of("KUBERNETES_SERVICE_HOST", ""), temp.resolve("token")))
        .isEmpty();
  }

  @Test
  void anUnreadableKubeconfigIsReportedForExitStatusTwo() {
    assertThat(KubernetesAccess.problemWith(temp.resolve("absent")))
        .hasValueSatisfying(
            problem -> assertThat(problem).contains("--kubernetes.kubeconfig").contains("absent"));
    assertThat(KubernetesAccess.problemWith(null)).isEmpty();
  }
}
