package dev.nodescope.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.kubernetes.NodeUpdates;
import dev.nodescope.collectors.nvidia.FakeGpuNode;
import dev.nodescope.collectors.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node condition, Event and taint against fabric8's mock API server in CRUD mode, driven by the
 * nvidia collector on a fake NVML and a moved clock.
 */
class NodeConditionsTest {
  private static final String NODE = "gpu-node-1";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final SnapshotRegistry registry = new SnapshotRegistry();
  private final KubernetesMockServer server =
      new KubernetesMockServer(
          new Context(),
          new MockWebServer(),
          new HashMap<>(),
          new KubernetesCrudDispatcher(),
          false);
  @TempDir Path proc;
  private KubernetesClient client;
  private FakeGpuNode gpus;
  private AcceleratorHealth health;

  @BeforeEach
  void setUp() {
    server.init();
    try (KubernetesClient defaults = server.createClient()) {
      Config config = defaults.getConfiguration();
      config.setRequestRetryBackoffLimit(0);
      client = new KubernetesClientBuilder().withConfig(config).build();
    }
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(NODE)
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .endCondition()
                .endStatus()
                .build())
        .create();
    gpus = new FakeGpuNode(2, proc, clock);
  }

  @AfterEach
  void tearDown() {
    gpus.close();
    client.close();
    server.destroy();
  }

  private void start(Optional<TaintSpec> taint) {
    health =
        new AcceleratorHealth(
            new HealthSettings(HealthPolicy.defaults(), true, taint, Duration.ofSeconds(5)),
            registry,
            "nvidia",
            "neuron",
            Optional.of(new NodeUpdates(client, NODE, "nodescope")),
            clock);
  }

  private void cycle() throws Exception {
    registry.publish(gpus.collect());
    health.evaluate();
  }

  private NodeCondition condition() {
    Node node = client.nodes().withName(NODE).get();
    return node.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("NodescopeAcceleratorHealthy"))
        .findFirst()
        .orElse(null);
  }

  private List<Event> events() {
    return client.v1().events().inNamespace("default").list().getItems();
  }

  private double metric(String name, String device) {
    return registry.latest(HealthMetrics.COLLECTOR).families().get(name).samples().stream()
        .filter(sample -> sample.labelValues().get(0).equals(device))
        .mapToDouble(Sample::value)
        .sum();
  }

  @Test
  void aLostGpuSetsTheConditionEventAndTaintAndAllClearAfterRecovery() throws Exception {
    start(TaintSpec.parse("nodescope.dev/accelerator-failed=true:NoSchedule"));
    cycle();
    assertThat(condition().getStatus()).isEqualTo("True");
    assertThat(condition().getReason()).isEqualTo("AcceleratorsHealthy");
    assertThat(condition().getMessage())
        .isEqualTo("all 2 accelerators healthy (Nodescope health policy)");
    assertThat(events()).as("no transition yet").isEmpty();
    assertThat(client.nodes().withName(NODE).get().getSpec().getTaints()).isNullOrEmpty();

    clock.advance(Duration.ofMinutes(1));
    gpus.xid(1, 79);
    cycle();
    assertThat(condition().getStatus()).isEqualTo("False");
    assertThat(condition().getMessage()).isEqualTo("nvidia1 failed: xid_79");
    clock.advance(Duration.ofMinutes(1));
    gpus.lost(1, true);
    cycle();
    NodeCondition failed = condition();
    assertThat(failed.getStatus()).isEqualTo("False");
    assertThat(failed.getReason()).isEqualTo("AcceleratorFailed");
    assertThat(failed.getMessage()).isEqualTo("nvidia1 failed: gpu_lost, xid_79");
    assertThat(failed.getLastTransitionTime()).isEqualTo("2026-01-01T00:01:00Z");
    assertThat(metric("nodescope_accelerator_healthy", "nvidia1")).isZero();
    assertThat(metric("nodescope_accelerator_healthy", "nvidia0")).isEqualTo(1);
    assertThat(events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getReason()).isEqualTo("AcceleratorFailed");
              assertThat(event.getType()).isEqualTo("Warning");
              assertThat(event.getMessage()).isEqualTo("nvidia1 failed: xid_79");
              assertThat(event.getInvolvedObject().getKind()).isEqualTo("Node");
              assertThat(event.getInvolvedObject().getName()).isEqualTo(NODE);
            });
    assertThat(client.nodes().withName(NODE).get().getSpec().getTaints())
        .singleElement()
        .satisfies(
            taint -> {
              assertThat(taint.getKey()).isEqualTo("nodescope.dev/accelerator-failed");
              assertThat(taint.getValue()).isEqualTo("true");
              assertThat(taint.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(client.nodes().withName(NODE).get().getStatus().getConditions())
        .as("the kubelet's conditions are left alone")
        .anySatisfy(c -> assertThat(c.getType()).isEqualTo("Ready"));

    gpus.lost(1, false);
    clock.advance(Duration.ofMinutes(20));
    cycle();
    assertThat(condition().getStatus()).as("xid 79 holds for 30m").isEqualTo("False");
    assertThat(condition().getMessage()).isEqualTo("nvidia1 failed: xid_79");
    assertThat(events()).hasSize(1);

    clock.advance(Duration.ofMinutes(8).plusSeconds(59));
    cycle();
    assertThat(condition().getStatus()).isEqualTo("False");
    clock.advance(Duration.ofSeconds(1));
    cycle();
    assertThat(condition().getStatus()).isEqualTo("True");
    assertThat(condition().getReason()).isEqualTo("AcceleratorsHealthy");
    assertThat(condition().getLastTransitionTime()).isEqualTo("2026-01-01T00:31:00Z");
    assertThat(client.nodes().withName(NODE).get().getSpec().getTaints()).isEmpty();
    assertThat(events())
        .hasSize(2)
        .anySatisfy(
            event -> {
              assertThat(event.getReason()).isEqualTo("AcceleratorsHealthy");
              assertThat(event.getType()).isEqualTo("Normal");
            });
    assertThat(metric("nodescope_accelerator_healthy", "nvidia1")).isEqualTo(1);
    assertThat(metric("nodescope_accelerator_health_events_total", "nvidia1")).isEqualTo(2);
  }

  @Test
  void aFlappingGpuFlipsTheConditionOnceEachWay() throws Exception {
    start(Optional.empty());
    cycle();
    for (int flap = 0; flap < 10; flap++) {
      gpus.lost(0, flap % 2 == 0);
      clock.advance(Duration.ofMinutes(3));
      cycle();
      assertThat(condition().getStatus()).isEqualTo("False");
    }
    gpus.lost(0, false);
    clock.advance(Duration.ofMinutes(10));
    cycle();
    assertThat(condition().getStatus()).isEqualTo("True");
    assertThat(events())
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder("AcceleratorFailed", "AcceleratorsHealthy");
  }

  @Test
  void aDownApiServerIsCountedAndTheWriteRetried() throws Exception {
    start(Optional.empty());
    server.destroy();
    gpus.xid(0, 48);
    cycle();
    assertThat(
            registry
                .latest(HealthMetrics.COLLECTOR)
                .families()
                .get("nodescope_accelerator_health_node_update_errors_total")
                .samples())
        .singleElement()
        .satisfies(sample -> assertThat(sample.labelValues()).containsExactly("condition"));
  }
}
