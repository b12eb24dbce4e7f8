package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.CommandLine;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.kubernetes.KubeObjects;
import dev.nodescope.collectors.kubernetes.KubernetesCollectorFactory;
import dev.nodescope.collectors.testing.FakeApiServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent wired to a fake API server through --kubernetes.kubeconfig, and without any (node
 * mode).
 */
class AgentKubernetesTest {
  /** As the exposition writes it: labels in alphabetical order. */
  private static final String POD_INFO =
      "nodescope_pod_info{host_network=\"false\",namespace=\"shop\","
          + "node=\"node-a\",owner_kind=\"StatefulSet\",owner_name=\"web\",pod=\"web-0\",pod_ip=\"10.0.0.5\","
          + "uid=\"uid-web-0\"} 1";

  @TempDir Path temp;

  private static Agent start(String... args) throws Exception {
    return start(CollectorCatalog.standard(), args);
  }

  private static Agent start(CollectorCatalog catalog, String... args) throws Exception {
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    List<String> all =
        new ArrayList<>(
            List.of(
                "--web.listen-address=127.0.0.1:0",
                "--collector.kubernetes.interval=100ms",
                "--collector.kubernetes.timeout=100ms"));
    all.addAll(List.of(args));
    return Agent.start(
        catalog,
        new CommandLine(flags).parse(all.toArray(String[]::new)).values(),
        Map.of("NODE_NAME", "node-a"));
  }

  private static String scrape(Agent agent) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + agent.address().getPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  private static String awaitScrape(Agent agent, Predicate<String> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String body = scrape(agent);
    while (!condition.test(body)) {
      assertThat(System.nanoTime()).as("timed out; last scrape:\n%s", body).isLessThan(deadline);
      Thread.sleep(50);
      body = scrape(agent);
    }
    return body;
  }

  private static Pod statefulPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("shop")
        .withName("web-0")
        .withUid("uid-web-0")
        .addNewOwnerReference()
        .withKind("StatefulSet")
        .withName("web")
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-a")
        .endSpec()
        .withNewStatus()
        .withPodIP("10.0.0.5")
        .addNewContainerStatus()
        .withName("app")
        .withContainerID("containerd://aa")
        .withRestartCount(4)
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void podSeriesFollowTheApiServer() throws Exception {
    try (FakeApiServer api = new FakeApiServer()) {
      api.put(statefulPod());
      try (Agent agent = start("--kubernetes.kubeconfig=" + api.writeKubeconfig(temp))) {
        String body = awaitScrape(agent, text -> text.contains(POD_INFO));
        assertThat(body)
            .contains(
                "nodescope_pod_container_restarts_total{container=\"app\",namespace=\"shop\",pod=\"web-0\"} 4.0");
        api.delete(statefulPod());
        awaitScrape(
            agent,
            text ->
                !text.contains("pod=\"web-0\"")
                    && text.contains("nodescope_kubernetes_objects{resource=\"pods\"} 0.0"));
      }
    }
  }

  @Test
  void nodeModeWithoutApiAccessStillServesMetrics() throws Exception {
    try (Agent agent = start()) {
      String body =
          awaitScrape(agent, text -> text.contains("nodescope_collector_source_available"));
      assertThat(body)
          .contains("nodescope_collector_source_available{collector=\"kubernetes\"} 0.0")
          .doesNotContain("nodescope_pod_info{");
    }
  }

  @Test
  void aMissingKubeconfigFileIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.run(
            new String[] {"--kubernetes.kubeconfig=" + temp.resolve("absent")},
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err));
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--kubernetes.kubeconfig")
        .contains("absent");
  }

  /**
   * Stands in for the flows collector: it asks for the cluster directory and keeps the context it
   * was given.
   */
  private static final class ClusterProbe extends CollectorFactory {
    volatile CollectorContext context;

    ClusterProbe() {
      super(new CollectorInfo("probe", Duration.ofMillis(100), "test probe."), List.of());
    }

    @Override
    public boolean needsClusterDirectory() {
      return true;
    }

    @Override
    public Collector create(CollectorContext context) {
      this.context = context;
      return out -> {};
    }
  }

  @Test
  void theClusterDirectoryIsWatchedOnlyForACollectorThatNeedsIt() throws Exception {
    try (FakeApiServer api = new FakeApiServer()) {
      api.put(KubeObjects.service("shop", "web", "10.96.0.10"));
      String kubeconfig = "--kubernetes.kubeconfig=" + api.writeKubeconfig(temp);
      ClusterProbe probe = new ClusterProbe();
      try (Agent agent =
          start(
              new CollectorCatalog(List.of(new KubernetesCollectorFactory(), probe)),
              kubeconfig,
              "--no-kubernetes.watch-nodes")) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (probe.context == null
            || probe.context.cluster().serviceByClusterIp("10.96.0.10").isEmpty()) {
          assertThat(System.nanoTime()).as("cluster directory never answered").isLessThan(deadline);
          Thread.sleep(50);
        }
        assertThat(probe.context.cluster().serviceByClusterIp("10.96.0.10"))
            .contains(new ClusterDirectory.ServiceRef("shop", "web"));
        // The Services watch follows the list; waiting for it keeps this agent's requests out of
        // the
        // second agent's count below.
        while (api.requests().stream()
            .noneMatch(r -> r.startsWith("GET /api/v1/services?") && r.contains("watch=true"))) {
          assertThat(System.nanoTime()).as("Services never watched").isLessThan(deadline);
          Thread.sleep(50);
        }
      }
      assertThat(api.requests()).noneMatch(request -> request.startsWith("GET /api/v1/nodes"));

      int before = api.requests().size();
      try (Agent agent =
          start(new CollectorCatalog(List.of(new KubernetesCollectorFactory())), kubeconfig)) {
        awaitScrape(
            agent, text -> text.contains("nodescope_kubernetes_synced{resource=\"pods\"} 1.0"));
      }
      assertThat(api.requests().subList(before, api.requests().size()))
          .as("without a collector that needs it, only this node's pods are watched")
          .allMatch(request -> request.startsWith("GET /api/v1/pods?"));
    }
  }
}
