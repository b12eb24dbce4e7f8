package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.host.CgroupNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;

/**
 * The pod and container a GPU process runs in, for time-sliced GPUs where the kubelet names several
 * pods per GPU: host PID → {@code /proc/<pid>/cgroup} (under --path.procfs) → pod UID and container
 * id → this node's pods.
 */
final class ProcessOwners {
  private final RootPaths paths;
  private final PodDirectory pods;

  ProcessOwners(RootPaths paths, PodDirectory pods) {
    this.paths = paths;
    this.pods = pods;
  }

  /**
   * [pod, namespace, container]; empty when the process is outside any known pod or has exited
   * meanwhile.
   */
  Optional<List<String>> owner(int pid) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(paths.proc(pid + "/cgroup"));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return CgroupNames.podCgroupOfProcess(lines)
        .flatMap(
            cgroup ->
                pods.byUid(cgroup.podUid())
                    .map(
                        pod ->
                            List.of(
                                pod.name(),
                                pod.namespace(),
                                containerName(pod, cgroup.containerId()))));
  }

  private static String containerName(PodInfo pod, Optional<String> containerId) {
    return containerId
        .flatMap(id -> pod.containers().stream().filter(c -> c.id().equals(id)).findFirst())
        .map(PodInfo.ContainerInfo::name)
        .orElse("");
  }
}
