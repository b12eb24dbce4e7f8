package dev.nodescope.collectors.host;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kubelet's cgroup names, under both of its cgroup drivers. systemd: {@code
 * kubepods-burstable-pod<uid with _ for ->.slice} holding {@code cri-containerd-<id>.scope};
 * cgroupfs: {@code pod<uid>} holding {@code <id>}. CRI-O and Docker name their scopes {@code
 * crio-<id>} and {@code docker-<id>}.
 */
public final class CgroupNames {
  private static final Pattern CGROUPFS_POD = Pattern.compile("pod([0-9a-f][0-9a-f-]*)");
  private static final Pattern SYSTEMD_POD =
      Pattern.compile("kubepods(?:-burstable|-besteffort)?-pod([0-9a-f_]+)\\.slice");
  private static final Pattern CONTAINER =
      Pattern.compile("(?:(?:cri-containerd|crio|docker)-)?([0-9a-f]{64})(?:\\.scope)?");

  private CgroupNames() {}

  /**
   * The pod UID (with dashes, as the API server writes it) when the directory is a pod's cgroup.
   */
  public static Optional<String> podUid(String directory) {
    Matcher cgroupfs = CGROUPFS_POD.matcher(directory);
    if (cgroupfs.matches()) {
      return Optional.of(cgroupfs.group(1));
    }
    Matcher systemd = SYSTEMD_POD.matcher(directory);
    return systemd.matches() ? Optional.of(systemd.group(1).replace('_', '-')) : Optional.empty();
  }

  /**
   * The pod (and container) whose cgroup holds a process, from the lines of its /proc/PID/cgroup
   * ({@code 4:memory:/kubepods/besteffort/pod<uid>/<id>} under v1, {@code 0::/kubepods.slice/...}
   * under v2).
   */
  public static Optional<PodCgroup> podCgroupOfProcess(List<String> procCgroupLines) {
    for (String line : procCgroupLines) {
      int path = line.indexOf(':', line.indexOf(':') + 1);
      Optional<PodCgroup> cgroup =
          path < 0 ? Optional.empty() : podCgroup(line.substring(path + 1));
      if (cgroup.isPresent()) {
        return cgroup;
      }
    }
    return Optional.empty();
  }

  /** The runtime's container id (no scheme) when the directory is a container's cgroup. */
  public static Optional<String> containerId(String directory) {
    Matcher container = CONTAINER.matcher(directory);
    return container.matches() ? Optional.of(container.group(1)) : Optional.empty();
  }

  /**
   * The pod (and container, when the path goes that deep) that a process's cgroup path belongs to:
   * the part after the second colon of a {@code /proc/<pid>/cgroup} line, under cgroup v1 or v2 and
   * either kubelet driver.
   */
  public static Optional<PodCgroup> podCgroup(String cgroupPath) {
    String[] parts = cgroupPath.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      Optional<String> uid = podUid(parts[i]);
      if (uid.isPresent()) {
        Optional<String> container =
            i + 1 < parts.length ? containerId(parts[i + 1]) : Optional.empty();
        return Optional.of(new PodCgroup(uid.get(), container));
      }
    }
    return Optional.empty();
  }

  public record PodCgroup(String podUid, Optional<String> containerId) {}
}
