package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodInfo.ContainerInfo;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's pods as the informer sees them, reduced to {@link PodInfo} and indexed by UID and by
 * IP.
 */
final class PodStore extends LightStore<Pod, PodStore.Entry> implements PodDirectory {
  private static final String TEMPLATE_HASH_LABEL = "pod-template-hash";

  private final Map<String, PodInfo> byUid = new ConcurrentHashMap<>();
  private final AddressIndex<PodInfo> byIp = new AddressIndex<>();

  private final KubernetesMetadata metadata;

  /** The store of {@code metadata}'s pod informer; null only in tests of the store alone. */
  PodStore(KubernetesMetadata metadata) {
    super(Pod::new);
    this.metadata = metadata;
  }

  KubernetesMetadata metadata() {
    return metadata;
  }

  /**
   * A pod that has finished (Succeeded, Failed) keeps its IP in its status while a new pod may get
   * it.
   */
  record Entry(PodInfo info, boolean finished) {}

  @Override
  Entry extract(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return new Entry(podInfo(pod), "Succeeded".equals(phase) || "Failed".equals(phase));
  }

  @Override
  void reindex(String key, Entry before, Entry after) {
    if (after != null) {
      byUid.put(after.info().uid(), after.info());
    }
    if (before != null && (after == null || !before.info().uid().equals(after.info().uid()))) {
      byUid.remove(before.info().uid(), before.info());
    }
    byIp.update(key, routableIps(before), routableIps(after), after == null ? null : after.info());
  }

  /** Pods on the host network share the node's IPs, so an IP says nothing about them. */
  private static List<String> routableIps(Entry pod) {
    return pod == null || pod.finished() || pod.info().hostNetwork() ? List.of() : pod.info().ips();
  }

  @Override
  public Collection<PodInfo> pods() {
    return List.copyOf(byUid.values());
  }

  @Override
  public Optional<PodInfo> byUid(String uid) {
    return Optional.ofNullable(byUid.get(uid));
  }

  @Override
  public Optional<PodInfo> byIp(String ip) {
    return byIp.lookup(ip);
  }

  /** The fields other collectors join on. Pure: the same pod always gives the same info. */
  static PodInfo podInfo(Pod pod) {
    PodSpec spec = Objects.requireNonNullElseGet(pod.getSpec(), PodSpec::new);
    PodStatus status = Objects.requireNonNullElseGet(pod.getStatus(), PodStatus::new);
    String name = pod.getMetadata().getName();
    Owner owner = owner(pod);
    return new PodInfo(
        pod.getMetadata().getNamespace(),
        name,
        pod.getMetadata().getUid(),
        ips(status),
        owner.kind(),
        owner.name(),
        Boolean.TRUE.equals(spec.getHostNetwork()),
        Objects.requireNonNullElse(spec.getNodeName(), ""),
        containers(status),
        prometheusAnnotations(pod.getMetadata().getAnnotations()));
  }

  private static Map<String, String> prometheusAnnotations(Map<String, String> annotations) {
    Map<String, String> kept = new java.util.HashMap<>();
    if (annotations != null) {
      annotations.forEach(
          (key, value) -> {
            if (key.startsWith(PodInfo.ANNOTATION_PREFIX) && value != null) {
              kept.put(key, value);
            }
          });
    }
    return kept;
  }

  record Owner(String kind, String name) {}

  /**
   * The workload that owns the pod. A ReplicaSet stands for its Deployment when its name is the
   * Deployment's plus the pod-template-hash, which is how the Deployment controller names it: this
   * spares watching ReplicaSets. A pod without a controller owns itself.
   */
  static Owner owner(Pod pod) {
    OwnerReference controller = null;
    for (OwnerReference reference : pod.getMetadata().getOwnerReferences()) {
      if (Boolean.TRUE.equals(reference.getController())) {
        controller = reference;
        break;
      }
    }
    if (controller == null) {
      return new Owner("Pod", pod.getMetadata().getName());
    }
    String hash =
        pod.getMetadata().getLabels() == null
            ? null
            : pod.getMetadata().getLabels().get(TEMPLATE_HASH_LABEL);
    String name = controller.getName();
    if ("ReplicaSet".equals(controller.getKind())
        && hash != null
        && !hash.isEmpty()
        && name.endsWith("-" + hash)
        && name.length() > hash.length() + 1) {
      return new Owner("Deployment", name.substring(0, name.length() - hash.length() - 1));
    }
    return new Owner(controller.getKind(), name);
  }

  private static List<String> ips(PodStatus status) {
    List<String> ips = new ArrayList<>();
    for (PodIP podIp : status.getPodIPs()) {
      if (podIp.getIp() != null && !podIp.getIp().isEmpty()) {
        ips.add(podIp.getIp());
      }
    }
    if (ips.isEmpty() && status.getPodIP() != null && !status.getPodIP().isEmpty()) {
      ips.add(status.getPodIP());
    }
    return ips;
  }

  /**
   * Containers the kubelet reports, init containers included (native sidecars are init containers
   * that keep running); a container not started yet has no status and no id.
   */
  private static List<ContainerInfo> containers(PodStatus status) {
    List<ContainerInfo> containers = new ArrayList<>();
    for (List<ContainerStatus> statuses :
        List.of(status.getInitContainerStatuses(), status.getContainerStatuses())) {
      for (ContainerStatus container : statuses) {
        containers.add(
            new ContainerInfo(
                container.getName(),
                containerId(container.getContainerID()),
                Objects.requireNonNullElse(container.getRestartCount(), 0)));
      }
    }
    return containers;
  }

  /** containerd://0123… → 0123…; the runtime's scheme says nothing the cgroup path needs. */
  static String containerId(String withScheme) {
    if (withScheme == null) {
      return "";
    }
    int separator = withScheme.indexOf("://");
    return separator < 0 ? withScheme : withScheme.substring(separator + 3);
  }
}
