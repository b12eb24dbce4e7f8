package dev.nodescope.collectors.kubernetes;

import static dev.nodescope.collectors.kubernetes.KubeObjects.deploymentPod;
import static dev.nodescope.collectors.kubernetes.KubeObjects.withContainer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.CapturedLogs;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.Golden;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node-scoped pod informer and the kubernetes collector against a fake API server on loopback.
 */
class KubernetesMetadataTest {
  private static final String NODE = "node-a";

  private final CapturedLogs logs = CapturedLogs.of(ResourceWatch.class.getName(), "io.fabric8");

  private FakeApiServer api;
  private KubernetesMetadata metadata;

  @BeforeEach
  void setUp() throws Exception {
    api = new FakeApiServer();
  }

  @AfterEach
  void tearDown() {
    if (metadata != null) {
      metadata.close();
    }
    api.close();
    logs.close();
  }

  static Config fastConfig(String url) {
    Config config = Config.empty();
    config.setMasterUrl(url);
    config.setWatchReconnectInterval(50);
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(1000);
    config.setRequestTimeout(2000);
    return config;
  }

  private static Pod web(int restarts) {
    return withContainer(
        deploymentPod(
            "shop", "web-7d9f8b6c5d-abcde", "uid-web", NODE, "10.0.0.5", "web", "7d9f8b6c5d"),
        "app",
        "containerd://c0ffee",
        restarts);
  }

  private static Pod elsewhere() {
    return withContainer(
        deploymentPod(
            "shop", "web-7d9f8b6c5d-zzzzz", "uid-other", "node-b", "10.0.1.9", "web", "7d9f8b6c5d"),
        "app",
        "containerd://beef",
        0);
  }

  private String collect() {
    SnapshotBuilder builder =
        new SnapshotBuilder("kubernetes", new KubernetesCollectorFactory().descriptors());
    new KubernetesCollector(metadata).collect(builder);
    Snapshot snapshot = builder.build(Clock.systemUTC());
    return Golden.render(snapshot);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private boolean podsSynced() {
    return metadata.watches().get(0).synced();
  }

  @Test
  void seriesFollowAddUpdateAndDeleteOfThisNodesPodsOnly() throws Exception {
    api.put(web(0));
    api.put(elsewhere());
    metadata = KubernetesMetadata.connect(fastConfig(api.url()), NODE);
    await("pods synced", this::podsSynced);

    assertThat(api.requests())
        .anySatisfy(
            request ->
                assertThat(request)
                    .startsWith("GET /api/v1/pods?")
                    .contains("fieldSelector=spec.nodeName%3Dnode-a"));
    Golden.assertMatches(collect(), "golden/kubernetes.txt");
    assertThat(metadata.pods().byIp("10.0.0.5"))
        .map(pod -> pod.name())
        .contains("web-7d9f8b6c5d-abcde");
    assertThat(metadata.pods().byUid("uid-web").orElseThrow().containers().get(0).id())
        .isEqualTo("c0ffee");
    assertThat(metadata.pods().byIp("10.0.1.9")).isEmpty();

    api.put(web(3));
    await("restart seen", () -> collect().contains("container=\"app\"} 3"));

    Pod batch =
        withContainer(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withNamespace("jobs")
                .withName("nightly-x1")
                .withUid("uid-job")
                .addNewOwnerReference()
                .withKind("Job")
                .withName("nightly")
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withNodeName(NODE)
                .withHostNetwork(true)
                .endSpec()
                .withNewStatus()
                .withPodIP("192.0.2.10")
                .endStatus(),
            "run",
            "cri-o://abc",
            1);
    api.put(batch);
    await(
        "job pod seen",
        () ->
            collect().contains("owner_kind=\"Job\",owner_name=\"nightly\",host_network=\"true\""));
    assertThat(metadata.pods().byIp("192.0.2.10"))
        .as("host-network pods are not found by IP")
        .isEmpty();

    api.delete(web(3));
    await("deleted pod gone", () -> !collect().contains("web-7d9f8b6c5d-abcde"));
    assertThat(metadata.pods().byUid("uid-web")).isEmpty();
    assertThat(metadata.pods().byIp("10.0.0.5")).isEmpty();
    assertThat(metadata.pods().pods()).extracting(pod -> pod.name()).containsExactly("nightly-x1");
  }

  @Test
  void recoversWhenTheApiServerComesBackAndLogsTheOutageOnce() throws Exception {
    replaceWebByApiWhileTheApiServerIsDown();
    Thread.sleep(500); // several failed reconnects
    api.start();

    await(
        "caught up",
        () ->
            podsSynced()
                && metadata.pods().byUid("uid-api").isPresent()
                && metadata.pods().byUid("uid-web").isEmpty());
    String series = collect();
    assertThat(series)
        .contains("pod=\"api-5f6d7c8b9-qwert\"")
        .doesNotContain("web-7d9f8b6c5d-abcde");
    assertThat(metadata.watches().get(0).errors()).isPositive();
    assertThat(warnings()).as("one warning for the outage, not one per retry").hasSize(1);
    assertThat(fabric8Lines()).as("fabric8's own retry messages stay out of the log").isEmpty();
  }

  @Test
  void relistsWhenTheRestartedApiServerNoLongerHasTheHistory() throws Exception {
    replaceWebByApiWhileTheApiServerIsDown();
    api.compact();
    int before = api.requests().size();
    api.start();

    await(
        "caught up by a relist",
        () ->
            podsSynced()
                && metadata.pods().byUid("uid-api").isPresent()
                && metadata.pods().byUid("uid-web").isEmpty());
    assertThat(metadata.pods().byIp("10.0.0.5")).isEmpty();
    assertThat(api.requests().subList(before, api.requests().size()))
        .anySatisfy(
            request ->
                assertThat(request).startsWith("GET /api/v1/pods?").doesNotContain("watch=true"));
  }

  /**
   * Syncs pod web, stops the API server, and there replaces web by api, which the agent cannot see
   * yet.
   */
  private void replaceWebByApiWhileTheApiServerIsDown() throws Exception {
    api.put(web(0));
    metadata = KubernetesMetadata.connect(fastConfig(api.url()), NODE);
    await("pods synced", this::podsSynced);
    api.stop();
    await("watch lost", () -> !podsSynced());
    // Changes while the agent cannot see them: a restarted API server replays or relists them.
    api.delete(web(0));
    api.put(
        withContainer(
            deploymentPod(
                "shop", "api-5f6d7c8b9-qwert", "uid-api", NODE, "10.0.0.7", "api", "5f6d7c8b9"),
            "app",
            "containerd://feed",
            0));
  }

  @Test
  void startsWhileTheApiServerIsDownAndSyncsWhenItAppears() throws Exception {
    api.put(web(0));
    api.stop();
    metadata = KubernetesMetadata.connect(fastConfig(api.url()), NODE);
    Thread.sleep(300);
    assertThat(podsSynced()).isFalse();
    assertThat(metadata.pods().pods()).isEmpty();
    assertThat(collect()).contains("nodescope_kubernetes_synced{resource=\"pods\"} 0");

    api.start();
    await("synced after the API server appeared", this::podsSynced);
    assertThat(metadata.pods().byUid("uid-web")).isPresent();
    assertThat(warnings()).hasSize(1);
    assertThat(logs.records())
        .anySatisfy(record -> assertThat(record.getMessage()).contains("again"));
  }

  private List<LogRecord> warnings() {
    return logs.records().stream()
        .filter(record -> record.getLevel().equals(Level.WARNING))
        .toList();
  }

  private List<String> fabric8Lines() {
    return logs.records().stream()
        .filter(
            record ->
                record.getLoggerName().startsWith("io.fabric8")
                    && record.getLevel().intValue() >= Level.INFO.intValue())
        .map(LogRecord::getMessage)
        .toList();
  }
}
