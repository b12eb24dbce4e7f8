package dev.nodescope.collectors.kubernetes;

import static dev.nodescope.collectors.kubernetes.KubeObjects.node;
import static dev.nodescope.collectors.kubernetes.KubeObjects.service;
import static dev.nodescope.collectors.kubernetes.KubeObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.ClusterDirectory.RemotePod;
import dev.nodescope.collectors.core.ClusterDirectory.ServiceRef;
import dev.nodescope.collectors.testing.FakeApiServer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cluster-wide lookups fed by node, Service and EndpointSlice informers from a fake API server. */
class ClusterIndexTest {
  private final FakeApiServer api;
  private KubernetesMetadata metadata;

  ClusterIndexTest() throws Exception {
    api = new FakeApiServer();
  }

  @AfterEach
  void tearDown() {
    if (metadata != null) {
      metadata.close();
    }
    api.close();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void looksUpServicesRemotePodsNodesAndZones() throws Exception {
    api.put(node("node-a", "us-east-1a", "192.0.2.1"));
    api.put(node("node-b", "us-east-1b", "192.0.2.2"));
    api.put(service("shop", "web", "10.96.0.10"));
    api.put(service("shop", "db", "None")); // headless
    api.put(
        slice(
            "shop",
            "web-x1",
            new String[] {"web-1", "10.1.0.5", "node-b"},
            new String[] {"web-2", "10.1.0.6", "node-a"}));
    // A second Service selecting the same pod: its slice claims the same IP.
    api.put(slice("shop", "web-canary-k2", new String[] {"web-1", "10.1.0.5", "node-b"}));

    metadata = KubernetesMetadata.connect(KubernetesMetadataTest.fastConfig(api.url()), "node-a");
    ClusterDirectory cluster = metadata.startClusterDirectory(true);
    assertThat(metadata.startClusterDirectory(true)).as("started once").isSameAs(cluster);
    await(
        "cluster synced",
        () ->
            metadata.watches().stream()
                    .allMatch(
                        watch -> {
                          watch.check();
                          return watch.synced();
                        })
                && metadata.watches().size() == 4);

    assertThat(cluster.serviceByClusterIp("10.96.0.10")).contains(new ServiceRef("shop", "web"));
    assertThat(cluster.serviceByClusterIp("None")).isEmpty();
    assertThat(cluster.podByIp("10.1.0.5")).contains(new RemotePod("shop", "web-1", "node-b"));
    assertThat(cluster.podByIp("10.1.0.6")).contains(new RemotePod("shop", "web-2", "node-a"));
    assertThat(cluster.nodeByIp("192.0.2.2")).contains("node-b");
    assertThat(cluster.nodeByIp("node-b")).as("host names are not addresses").isEmpty();
    assertThat(cluster.zoneOfNode("node-b")).contains("us-east-1b");
    assertThat(cluster.zoneOfNode("node-z")).isEmpty();

    // web-2 leaves the Service; web-1 leaves one of its two Services.
    api.put(slice("shop", "web-x1", new String[] {"web-1", "10.1.0.5", "node-b"}));
    api.delete(slice("shop", "web-canary-k2"));
    api.delete(service("shop", "web", "10.96.0.10"));
    api.put(node("node-b", "us-east-1c", "192.0.2.2"));
    await(
        "changes seen",
        () ->
            cluster.podByIp("10.1.0.6").isEmpty()
                && cluster.serviceByClusterIp("10.96.0.10").isEmpty()
                && cluster.zoneOfNode("node-b").equals(java.util.Optional.of("us-east-1c")));
    assertThat(cluster.podByIp("10.1.0.5"))
        .as("still claimed by the other slice")
        .contains(new RemotePod("shop", "web-1", "node-b"));

    // Cluster-wide lists come in pages (smaller for the heavy Nodes and EndpointSlices); this one
    // needed none beyond the first.
    assertThat(api.requests())
        .anySatisfy(
            request -> assertThat(request).startsWith("GET /api/v1/nodes?").contains("limit=100"))
        .anySatisfy(
            request ->
                assertThat(request).startsWith("GET /api/v1/services?").contains("limit=500"))
        .anySatisfy(
            request ->
                assertThat(request)
                    .startsWith("GET /apis/discovery.k8s.io/v1/endpointslices?")
                    .contains("limit=100"));

    // Never every pod of the cluster: the only pod requests are scoped to this node.
    assertThat(api.requests())
        .filteredOn(request -> request.startsWith("GET /api/v1/pods"))
        .allSatisfy(
            request -> assertThat(request).contains("fieldSelector=spec.nodeName%3Dnode-a"));
  }

  @Test
  void pagesThroughListsLargerThanOnePage() throws Exception {
    int nodes = 1_100;
    for (int i = 0; i < nodes; i++) {
      api.put(node("node-" + i, "zone-" + i % 3, "10.0." + i / 250 + "." + i % 250));
    }
    metadata = KubernetesMetadata.connect(KubernetesMetadataTest.fastConfig(api.url()), "node-0");
    ClusterDirectory cluster = metadata.startClusterDirectory(true);
    await(
        "all nodes listed",
        () ->
            cluster.zoneOfNode("node-" + (nodes - 1)).isPresent()
                && cluster.zoneOfNode("node-0").isPresent());
    assertThat(api.requests())
        .filteredOn(
            request -> request.startsWith("GET /api/v1/nodes?") && !request.contains("watch=true"))
        .as("pages of 100 Nodes")
        .hasSize(11);
    assertThat(cluster.zoneOfNode("node-1000")).contains("zone-1");
  }

  @Test
  void withoutTheNodeWatchZonesComeFromEndpointSlices() throws Exception {
    api.put(node("node-b", "us-east-1b", "192.0.2.2"));
    api.put(slice("shop", "web-x1", new String[] {"web-1", "10.1.0.5", "node-b"}));
    metadata = KubernetesMetadata.connect(KubernetesMetadataTest.fastConfig(api.url()), "node-a");
    ClusterDirectory cluster = metadata.startClusterDirectory(false);
    await("slices listed", () -> cluster.podByIp("10.1.0.5").isPresent());
    assertThat(cluster.zoneOfNode("node-b")).contains("zone-of-node-b");
    assertThat(cluster.nodeByIp("192.0.2.2")).isEmpty();
    assertThat(api.requests()).noneMatch(request -> request.startsWith("GET /api/v1/nodes"));

    api.delete(slice("shop", "web-x1"));
    await(
        "zone forgotten with the last endpoint on the node",
        () -> cluster.zoneOfNode("node-b").isEmpty());
  }

  @Test
  void aForbiddenResourceIsCountedAndTheOthersStillWork() throws Exception {
    api.forbid("/api/v1/nodes");
    api.put(service("shop", "web", "10.96.0.10"));
    metadata = KubernetesMetadata.connect(KubernetesMetadataTest.fastConfig(api.url()), "node-a");
    ClusterDirectory cluster = metadata.startClusterDirectory(true);
    await(
        "services listed despite the forbidden nodes",
        () -> cluster.serviceByClusterIp("10.96.0.10").isPresent());
    ResourceWatch nodes =
        metadata.watches().stream()
            .filter(watch -> watch.resource().equals("nodes"))
            .findFirst()
            .orElseThrow();
    await("forbidden list counted", () -> nodes.errors() > 0);
    nodes.check();
    assertThat(nodes.synced()).isFalse();
    assertThat(nodes.objects()).isZero();
  }
}
