package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;

/** Kubernetes objects as the API server would send them, built the way the tests need them. */
public final class KubeObjects {
  private KubeObjects() {}

  /** A Deployment's pod: owned by ReplicaSet {deployment}-{hash}, labelled with the hash. */
  public static PodBuilder deploymentPod(
      String namespace,
      String name,
      String uid,
      String node,
      String ip,
      String deployment,
      String hash) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withUid(uid)
        .addToLabels("pod-template-hash", hash)
        .addNewOwnerReference()
        .withApiVersion("apps/v1")
        .withKind("ReplicaSet")
        .withName(deployment + "-" + hash)
        .withUid("rs-" + uid)
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .addNewPodIP(ip)
        .endStatus();
  }

  public static Pod withContainer(PodBuilder pod, String container, String id, int restarts) {
    return pod.editStatus()
        .addToContainerStatuses(
            new ContainerStatusBuilder()
                .withName(container)
                .withContainerID(id)
                .withRestartCount(restarts)
                .withReady(true)
                .withImage("img")
                .build())
        .endStatus()
        .build();
  }

  public static Node node(String name, String zone, String internalIp) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("topology.kubernetes.io/zone", zone)
        .endMetadata()
        .withNewStatus()
        .addNewAddress()
        .withType("InternalIP")
        .withAddress(internalIp)
        .endAddress()
        .addNewAddress()
        .withType("Hostname")
        .withAddress(name)
        .endAddress()
        .endStatus()
        .build();
  }

  public static Service service(String namespace, String name, String clusterIp) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withClusterIP(clusterIp)
        .addToClusterIPs(clusterIp)
        .endSpec()
        .build();
  }

  /** A slice with one endpoint per pod: {pod name, IP, node}; the zone is "zone-of-{node}". */
  public static EndpointSlice slice(String namespace, String name, String[]... pods) {
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(name)
            .addToLabels("kubernetes.io/service-name", name.replaceAll("-[a-z0-9]+$", ""))
            .endMetadata()
            .withAddressType("IPv4");
    for (String[] pod : pods) {
      slice.addToEndpoints(
          new EndpointBuilder()
              .addToAddresses(pod[1])
              .withNodeName(pod[2])
              .withZone("zone-of-" + pod[2])
              .withNewTargetRef()
              .withKind("Pod")
              .withNamespace(namespace)
              .withName(pod[0])
              .endTargetRef()
              .build());
    }
    return slice.build();
  }
}
