package dev.nodescope.collectors.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A container cgroup shaped as the kubelet makes it, in this host's real cgroup hierarchy: the
 * systemd driver's slices on cgroup v2, the cgroupfs driver's directories in the memory hierarchy
 * (where the agent reads a pod's processes) on cgroup v1. Closing it moves nothing: the processes
 * put in it must have exited; it removes the directories it made, deepest first.
 */
public final class KubeletPodCgroup implements AutoCloseable {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");

  private final List<Path> created = new ArrayList<>();
  private final Path container;

  private KubeletPodCgroup(String podUid) throws IOException {
    boolean v2 = Files.exists(CGROUP.resolve("cgroup.controllers"));
    String containerId = podUid.replace("-", "").repeat(2);
    List<String> parts =
        v2
            ? List.of(
                "kubepods.slice",
                "kubepods-besteffort.slice",
                "kubepods-besteffort-pod" + podUid.replace('-', '_') + ".slice",
                "cri-containerd-" + containerId + ".scope")
            : List.of("memory", "kubepods", "besteffort", "pod" + podUid, containerId);
    Path dir = CGROUP;
    try {
      for (String part : parts) {
        dir = dir.resolve(part);
        if (!Files.isDirectory(dir)) {
          Files.createDirectory(dir);
          created.add(dir);
        }
      }
    } catch (IOException e) {
      close();
      throw e;
    }
    this.container = dir;
  }

  /**
   * Makes the pod's cgroups, or fails the test (skips it outside CI) when the hierarchy is not
   * writable here.
   */
  public static KubeletPodCgroup create(String podUid) throws IOException {
    try {
      return new KubeletPodCgroup(podUid);
    } catch (IOException e) {
      Capabilities.require(false, "writable cgroup hierarchy at " + CGROUP + ": " + e);
      throw e;
    }
  }

  /** The container's cgroup directory. */
  public Path container() {
    return container;
  }

  /** Moves a process into the container's cgroup. */
  public void add(long pid) throws IOException {
    Files.writeString(
        container.resolve("cgroup.procs"), Long.toString(pid), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    List<Path> deepestFirst = new ArrayList<>(created);
    Collections.reverse(deepestFirst);
    for (Path dir : deepestFirst) {
      Files.deleteIfExists(dir);
    }
    created.clear();
  }
}
