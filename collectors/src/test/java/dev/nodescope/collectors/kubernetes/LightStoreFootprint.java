package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * Not a test: measures what the light stores keep against fabric8's full objects (the informer's
 * default store), for docs/design.md. Realistic EKS-like objects: Nodes with 30 images,
 * EndpointSlices of 10 and 100 endpoints. Run: {@code java -Xmx1g -XX:+UseSerialGC -cp <test
 * classpath> dev.nodescope.collectors.kubernetes.LightStoreFootprint}
 */
public final class LightStoreFootprint {
  private static final int NODES = 5_000;
  private static final int SERVICES = 10_000;

  private LightStoreFootprint() {}

  public static void main(String[] args) {
    System.out.printf(
        "Node JSON %d B; EndpointSlice JSON %d B (10 endpoints), %d B (100)%n",
        Serialization.asJson(node(1)).length(),
        Serialization.asJson(slice(1, 10)).length(),
        Serialization.asJson(slice(1, 100)).length());

    long fullNode = heapOf(1_000, LightStoreFootprint::node) / 1_000;
    ClusterIndex index = new ClusterIndex();
    long lightNodes = fill(NODES, LightStoreFootprint::node, index.nodes());
    System.out.printf(
        "Node: full %d B, light %d B (%.0fx); %d nodes light: %.1f MB%n",
        fullNode,
        lightNodes / NODES,
        (double) fullNode * NODES / lightNodes,
        NODES,
        lightNodes / 1e6);

    int endpoints = 0;
    for (int i = 0; i < SERVICES; i++) {
      endpoints += endpointsOf(i);
    }
    long fullSlices = heapOf(1_000, i -> slice(i, endpointsOf(i)));
    int endpointsInThousand = 0;
    for (int i = 0; i < 1_000; i++) {
      endpointsInThousand += endpointsOf(i);
    }
    long lightSlices = fill(SERVICES, i -> slice(i, endpointsOf(i)), index.endpointSlices());
    System.out.printf(
        "EndpointSlice endpoint: full %d B, light %d B (%.1fx); %d slices, %d endpoints light: "
            + "%.1f MB%n",
        fullSlices / endpointsInThousand,
        lightSlices / endpoints,
        (double) fullSlices / endpointsInThousand / ((double) lightSlices / endpoints),
        SERVICES,
        endpoints,
        lightSlices / 1e6);

    long lightServices = fill(SERVICES, LightStoreFootprint::service, index.services());
    System.out.printf(
        "Service light %d B; %d services: %.1f MB%n",
        lightServices / SERVICES, SERVICES, lightServices / 1e6);
  }

  /** Most Services have a few endpoints; one in twenty has a full slice of 100. */
  private static int endpointsOf(int service) {
    return service % 20 == 0 ? 100 : 9 + service % 3;
  }

  private static long heapOf(int count, IntFunction<Object> make) {
    long before = usedHeap();
    List<Object> kept = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      kept.add(make.apply(i));
    }
    long used = usedHeap() - before;
    if (kept.size() != count) {
      throw new AssertionError();
    }
    return used;
  }

  private static <T extends HasMetadata> long fill(
      int count, IntFunction<T> make, LightStore<T, ?> store) {
    long before = usedHeap();
    for (int i = 0; i < count; i++) {
      T object = make.apply(i);
      store.put(store.getKey(object), object);
    }
    return usedHeap() - before;
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static String nodeName(int i) {
    return "ip-10-0-" + i / 250 + "-" + i % 250 + ".ec2.internal";
  }

  static Node node(int i) {
    NodeStatusBuilder status =
        new NodeStatusBuilder()
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("10.0." + i / 250 + "." + i % 250)
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(nodeName(i))
            .endAddress()
            .addNewAddress()
            .withType("InternalDNS")
            .withAddress(nodeName(i))
            .endAddress()
            .addToCapacity("cpu", new Quantity("96"))
            .addToCapacity("memory", new Quantity("1176Gi"))
            .addToCapacity("nvidia.com/gpu", new Quantity("8"))
            .addToCapacity("pods", new Quantity("110"))
            .addToAllocatable("cpu", new Quantity("95690m"))
            .addToAllocatable("memory", new Quantity("1150Gi"))
            .addToAllocatable("nvidia.com/gpu", new Quantity("8"))
            .withNewNodeInfo()
            .withKubeletVersion("v1.31.2")
            .withContainerRuntimeVersion("containerd://1.7.22")
            .withKernelVersion("5.10.226")
            .withOsImage("Amazon Linux 2")
            .withArchitecture("amd64")
            .withOperatingSystem("linux")
            .withMachineID("ec2" + i)
            .withSystemUUID("ec2" + i)
            .withBootID(UUID.randomUUID().toString())
            .endNodeInfo();
    for (String condition : List.of("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")) {
      status
          .addNewCondition()
          .withType(condition)
          .withStatus("False")
          .withReason("Kubelet" + condition)
          .withMessage("kubelet reports " + condition)
          .withLastHeartbeatTime("2026-11-23T10:00:00Z")
          .withLastTransitionTime("2026-11-20T10:00:00Z")
          .endCondition();
    }
    for (int image = 0; image < 30; image++) {
      String repository = "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-" + image;
      status
          .addNewImage()
          .withNames(repository + "@sha256:" + "ab".repeat(32), repository + ":v1.2." + image)
          .withSizeBytes(123_456_789L)
          .endImage();
    }
    return new NodeBuilder()
        .withNewMetadata()
        .withName(nodeName(i))
        .withUid(UUID.randomUUID().toString())
        .withResourceVersion("123456789")
        .addToLabels("topology.kubernetes.io/zone", "us-east-1" + "abc".charAt(i % 3))
        .addToLabels("topology.kubernetes.io/region", "us-east-1")
        .addToLabels("kubernetes.io/arch", "amd64")
        .addToLabels("node.kubernetes.io/instance-type", "p4d.24xlarge")
        .addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubernetes.io/hostname", nodeName(i))
        .endMetadata()
        .withNewSpec()
        .withProviderID("aws:///us-east-1a/i-0123456789abcdef" + i)
        .endSpec()
        .withStatus(status.build())
        .build();
  }

  static EndpointSlice slice(int service, int endpoints) {
    String namespace = "team-" + service % 100;
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName("svc-" + service + "-abcde")
            .withUid(UUID.randomUUID().toString())
            .withResourceVersion("123456789")
            .addToLabels("kubernetes.io/service-name", "svc-" + service)
            .addToLabels(
                "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
            .addNewOwnerReference()
            .withApiVersion("v1")
            .withKind("Service")
            .withName("svc-" + service)
            .withUid(UUID.randomUUID().toString())
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withAddressType("IPv4")
            .addNewPort()
            .withName("http")
            .withPort(8080)
            .withProtocol("TCP")
            .endPort();
    for (int endpoint = 0; endpoint < endpoints; endpoint++) {
      int node = (service * 7 + endpoint) % NODES;
      slice
          .addNewEndpoint()
          .addToAddresses("10." + (64 + service % 64) + "." + endpoint / 250 + "." + endpoint % 250)
          .withNewConditions()
          .withReady(true)
          .withServing(true)
          .withTerminating(false)
          .endConditions()
          .withNodeName(nodeName(node))
          .withZone("us-east-1" + "abc".charAt(node % 3))
          .withNewTargetRef()
          .withKind("Pod")
          .withNamespace(namespace)
          .withName("svc-" + service + "-7d9f8b6c5d-" + Integer.toString(endpoint, 36) + "xyzw")
          .withUid(UUID.randomUUID().toString())
          .endTargetRef()
          .endEndpoint();
    }
    return slice.build();
  }

  static Service service(int i) {
    String ip = "172.20." + i / 250 + "." + i % 250;
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace("team-" + i % 100)
        .withName("svc-" + i)
        .withUid(UUID.randomUUID().toString())
        .withResourceVersion("1")
        .endMetadata()
        .withNewSpec()
        .withClusterIP(ip)
        .addToClusterIPs(ip)
        .endSpec()
        .build();
  }
}
