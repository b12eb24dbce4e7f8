package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.conntrack.CiliumCtLayout;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.kubernetes.KubernetesMetadata;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.TestFlags;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Cilium conntrack layout from the image of the cilium-agent pod on this node, read through the
 * API from a fake API server, or from the flag; never guessed.
 */
class FlowsCiliumVersionTest {
  private static final String NODE = "node-a";
  private static final String FLAG = "--" + FlowsCollectorFactory.CILIUM_VERSION.name();

  private FakeApiServer api;
  private KubernetesMetadata metadata;

  @BeforeEach
  void start() throws Exception {
    api = new FakeApiServer();
    Config config = Config.empty();
    config.setMasterUrl(api.url());
    config.setRequestRetryBackoffLimit(0);
    config.setRequestTimeout(2000);
    metadata = KubernetesMetadata.connect(config, NODE);
  }

  @AfterEach
  void stop() {
    metadata.close();
    api.close();
  }

  @Test
  void cilium116OnThisNodeGivesThe116Layout() throws Exception {
    // Decoys: a cilium-agent on another node, a pod of another app with a container of that name.
    api.put(agent("cilium-other", "node-b", "cilium", "quay.io/cilium/cilium:v1.15.9"));
    api.put(agent("hubble", NODE, "hubble", "quay.io/cilium/cilium:v1.14.0"));
    api.put(agent("cilium-x1", NODE, "cilium", "quay.io/cilium/cilium:v1.16.3@sha256:0123abcd"));

    assertThat(FlowsCollectorFactory.ciliumLayout(context(Map.of())))
        .isEqualTo(CiliumCtLayout.FROM_1_16);
  }

  @Test
  void cilium115OnThisNodeGivesTheEarlierLayout() throws Exception {
    api.put(agent("cilium-other", "node-b", "cilium", "quay.io/cilium/cilium:v1.16.3"));
    api.put(agent("cilium-x1", NODE, "cilium", "quay.io/cilium/cilium:v1.15.11"));

    assertThat(FlowsCollectorFactory.ciliumLayout(context(Map.of())))
        .isEqualTo(CiliumCtLayout.BEFORE_1_16);
  }

  @Test
  void noCiliumAgentOnThisNodeMakesTheSourceUnavailableNamingTheFlag() {
    api.put(agent("cilium-other", "node-b", "cilium", "quay.io/cilium/cilium:v1.16.3"));

    assertThatThrownBy(
            () ->
                new FlowsCollectorFactory()
                    .create(context(Map.of(FlowsCollectorFactory.SOURCE_FLAG, "cilium"))))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no cilium-agent pod (label k8s-app=cilium) on this node")
        .hasMessageContaining(FLAG);
  }

  @Test
  void theFlagWinsOverTheApi() throws Exception {
    api.put(agent("cilium-x1", NODE, "cilium", "quay.io/cilium/cilium:v1.16.3"));

    assertThat(
            FlowsCollectorFactory.ciliumLayout(
                context(Map.of(FlowsCollectorFactory.CILIUM_VERSION, "1.15"))))
        .isEqualTo(CiliumCtLayout.BEFORE_1_16);
  }

  @Test
  void anImageWithoutAVersionOrWithAnUnknownOneIsNotGuessed() {
    api.put(agent("cilium-x1", NODE, "cilium", "quay.io/cilium/cilium:latest"));
    assertThatThrownBy(() -> FlowsCollectorFactory.ciliumLayout(context(Map.of())))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("quay.io/cilium/cilium:latest names no version")
        .hasMessageContaining(FLAG);

    api.put(agent("cilium-x1", NODE, "cilium", "quay.io/cilium/cilium:v2.0.0"));
    assertThatThrownBy(() -> FlowsCollectorFactory.ciliumLayout(context(Map.of())))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("Cilium v2.0.0 has a conntrack layout Nodescope does not know")
        .hasMessageContaining(FLAG);
  }

  @Test
  void anApiServerThatIsDownMakesTheSourceUnavailable() {
    api.stop();

    assertThatThrownBy(() -> FlowsCollectorFactory.ciliumLayout(context(Map.of())))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("the Cilium version cannot be read from the API")
        .hasMessageContaining(FLAG);
  }

  /** A pod with one container named cilium-agent, labelled k8s-app=APP, as Cilium's DaemonSet. */
  private static Pod agent(String name, String node, String app, String image) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("kube-system")
        .withName(name)
        .withUid("uid-" + name)
        .withLabels(Map.of("k8s-app", app))
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("cilium-agent")
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }

  private CollectorContext context(Map<? extends Flag<?>, ?> flags) {
    return new CollectorContext(
        RootPaths.host(),
        NODE,
        TestFlags.with(flags),
        metadata.pods(),
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }
}
