package dev.nodescope.collectors.kubernetes;

import static dev.nodescope.collectors.kubernetes.KubeObjects.deploymentPod;
import static dev.nodescope.collectors.kubernetes.KubeObjects.withContainer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.PodInfo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** The reduction of a Pod to PodInfo, and the store's indexes under churn. */
class PodStoreTest {
  private final PodStore store = new PodStore(null);

  private void put(Pod pod) {
    store.put(store.getKey(pod), pod);
  }

  private static PodBuilder owned(String kind, String name, boolean controller) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("ns")
        .withName("p")
        .withUid("u")
        .addNewOwnerReference()
        .withKind(kind)
        .withName(name)
        .withController(controller)
        .endOwnerReference()
        .endMetadata();
  }

  @Test
  void ownerIsTheWorkload() {
    assertThat(
            PodStore.owner(
                deploymentPod("ns", "web-abc12-x", "u", "n", "10.0.0.1", "web", "abc12").build()))
        .isEqualTo(new PodStore.Owner("Deployment", "web"));
    // A ReplicaSet made by hand (no pod-template-hash) stays a ReplicaSet.
    assertThat(PodStore.owner(owned("ReplicaSet", "web-abc12", true).build()))
        .isEqualTo(new PodStore.Owner("ReplicaSet", "web-abc12"));
    // The hash must be the suffix of the ReplicaSet's name.
    assertThat(
            PodStore.owner(
                owned("ReplicaSet", "web-zzz", true)
                    .editMetadata()
                    .addToLabels("pod-template-hash", "abc12")
                    .endMetadata()
                    .build()))
        .isEqualTo(new PodStore.Owner("ReplicaSet", "web-zzz"));
    assertThat(PodStore.owner(owned("StatefulSet", "db", true).build()))
        .isEqualTo(new PodStore.Owner("StatefulSet", "db"));
    // An owner that is not the controller (e.g. a garbage-collection parent) is not the workload.
    assertThat(PodStore.owner(owned("ConfigMap", "cm", false).build()))
        .isEqualTo(new PodStore.Owner("Pod", "p"));
  }

  @Test
  void containerIdsLoseTheRuntimeScheme() {
    assertThat(PodStore.containerId("containerd://0123abcd")).isEqualTo("0123abcd");
    assertThat(PodStore.containerId("cri-o://ff")).isEqualTo("ff");
    assertThat(PodStore.containerId("docker://ee")).isEqualTo("ee");
    assertThat(PodStore.containerId(null)).isEmpty();
  }

  @Test
  void initContainersAndDualStackIpsAreKept() {
    Pod pod =
        withContainer(
            deploymentPod("ns", "web-abc12-x", "u", "node-a", "10.0.0.1", "web", "abc12")
                .editStatus()
                .addNewPodIP("2001:db8::1")
                .addNewInitContainerStatus()
                .withName("proxy")
                .withContainerID("containerd://aa")
                .withRestartCount(2)
                .endInitContainerStatus()
                .endStatus(),
            "app",
            "containerd://bb",
            1);
    PodInfo info = PodStore.podInfo(pod);
    assertThat(info.ips()).containsExactly("10.0.0.1", "2001:db8::1");
    assertThat(info.containers())
        .containsExactly(
            new PodInfo.ContainerInfo("proxy", "aa", 2), new PodInfo.ContainerInfo("app", "bb", 1));
    assertThat(info.nodeName()).isEqualTo("node-a");
  }

  @Test
  void onlyThePrometheusAnnotationsAreKept() {
    Pod pod =
        deploymentPod("ns", "web-1", "u", "n", "10.0.0.1", "web", "h")
            .editMetadata()
            .addToAnnotations("prometheus.io/scrape", "true")
            .addToAnnotations("prometheus.io/port", "8080")
            .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{\"big\":1}")
            .endMetadata()
            .build();
    assertThat(PodStore.podInfo(pod).prometheusAnnotations())
        .isEqualTo(java.util.Map.of("prometheus.io/scrape", "true", "prometheus.io/port", "8080"));
  }

  @Test
  void aReusedIpBelongsToTheRunningPodNotTheFinishedOne() {
    Pod finished =
        deploymentPod("ns", "job-1", "uid-done", "n", "10.0.0.9", "x", "h")
            .editStatus()
            .withPhase("Succeeded")
            .endStatus()
            .build();
    Pod running = deploymentPod("ns", "web-1", "uid-run", "n", "10.0.0.9", "web", "h").build();
    put(finished);
    put(running);
    assertThat(store.byIp("10.0.0.9")).map(PodInfo::uid).contains("uid-run");
    store.remove(store.getKey(finished));
    assertThat(store.byIp("10.0.0.9")).map(PodInfo::uid).contains("uid-run");
    assertThat(store.byUid("uid-done")).isEmpty();
    assertThat(store.pods()).extracting(PodInfo::uid).containsExactly("uid-run");
  }

  @Test
  void aPodRecreatedUnderTheSameNameReplacesTheOldUidAndIp() {
    put(deploymentPod("ns", "db-0", "uid-1", "n", "10.0.0.1", "db", "h").build());
    // Seen only after a relist: same key, new pod.
    put(deploymentPod("ns", "db-0", "uid-2", "n", "10.0.0.2", "db", "h").build());
    assertThat(store.byUid("uid-1")).isEmpty();
    assertThat(store.byUid("uid-2")).isPresent();
    assertThat(store.byIp("10.0.0.1")).isEmpty();
    assertThat(store.byIp("10.0.0.2")).map(PodInfo::uid).contains("uid-2");
    // The informer's bookkeeping sees only the identity the key gives.
    assertThat(store.get("ns/db-0").getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(store.get("ns/db-0").getMetadata().getName()).isEqualTo("db-0");
    assertThat(store.get("ns/db-0").getSpec()).isNull();
  }

  @Test
  void aBarePodAsJustCreatedStillGivesInfo() {
    // Pending and unscheduled: no spec fields set, no status, no labels, no owners (as parsed from
    // the wire).
    Pod bare =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"p\","
                + "\"uid\":\"u\"}}",
            Pod.class);
    assertThat(PodStore.podInfo(bare))
        .isEqualTo(
            new PodInfo(
                "ns", "p", "u", java.util.List.of(), "Pod", "p", false, "", java.util.List.of()));
    put(bare);
    assertThat(store.byUid("u")).isPresent();
  }
}
