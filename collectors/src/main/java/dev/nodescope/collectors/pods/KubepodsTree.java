package dev.nodescope.collectors.pods;

import dev.nodescope.collectors.host.CgroupNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pod and container cgroups under the kubelet's {@code kubepods} cgroup, as paths relative to a
 * hierarchy root. Guaranteed pods sit directly under it, burstable and best-effort pods one level
 * down under their QoS cgroup.
 */
final class KubepodsTree {
  /** The kubelet's top cgroup under the systemd driver, then under the cgroupfs driver. */
  static final List<String> KUBEPODS = List.of("kubepods.slice", "kubepods");

  record ContainerCgroup(String id, Path path) {}

  record PodCgroup(String uid, Path path, List<ContainerCgroup> containers) {}

  private KubepodsTree() {}

  /**
   * The kubelet's top cgroups present under this hierarchy root; empty when no kubelet runs here.
   */
  static List<Path> kubepodsRoots(Path hierarchy) {
    List<Path> roots = new ArrayList<>();
    for (String name : KUBEPODS) {
      if (Files.isDirectory(hierarchy.resolve(name))) {
        roots.add(Path.of(name));
      }
    }
    return roots;
  }

  static List<PodCgroup> scan(Path hierarchy) throws IOException {
    List<PodCgroup> pods = new ArrayList<>();
    for (Path kubepods : kubepodsRoots(hierarchy)) {
      for (Path child : subdirectories(hierarchy, kubepods)) {
        Optional<String> uid = CgroupNames.podUid(child.getFileName().toString());
        if (uid.isPresent()) {
          pods.add(pod(hierarchy, uid.get(), child));
          continue;
        }
        for (Path qosChild : subdirectories(hierarchy, child)) {
          Optional<String> qosPodUid = CgroupNames.podUid(qosChild.getFileName().toString());
          if (qosPodUid.isPresent()) {
            pods.add(pod(hierarchy, qosPodUid.get(), qosChild));
          }
        }
      }
    }
    return pods;
  }

  private static PodCgroup pod(Path hierarchy, String uid, Path path) throws IOException {
    List<ContainerCgroup> containers = new ArrayList<>();
    for (Path child : subdirectories(hierarchy, path)) {
      CgroupNames.containerId(child.getFileName().toString())
          .ifPresent(id -> containers.add(new ContainerCgroup(id, child)));
    }
    return new PodCgroup(uid, path, containers);
  }

  /**
   * Child cgroups in name order (stable output); a cgroup removed while we list it simply has none.
   */
  private static List<Path> subdirectories(Path hierarchy, Path relative) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream =
        Files.newDirectoryStream(hierarchy.resolve(relative), Files::isDirectory)) {
      for (Path child : stream) {
        children.add(relative.resolve(child.getFileName().toString()));
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    children.sort(null);
    return children;
  }
}
