package dev.nodescope.collectors.bpf;

import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the host's cgroup v2 hierarchy where it is already mounted, never mounting one of its own
 * (a private cgroup2 mount broke containerd's view on Bottlerocket for the AWS Network Flow Monitor
 * agent): {@code /sys/fs/cgroup} on unified hosts, {@code /sys/fs/cgroup/unified} on hybrid ones.
 * Every cgroup v2 directory has {@code cgroup.controllers} and no cgroup v1 directory does, so its
 * presence tells them apart.
 */
public final class CgroupV2 {
  private CgroupV2() {}

  /**
   * The cgroup to attach to: the override when given (any cgroup v2 directory), else the first of
   * the two places that is cgroup v2.
   */
  public static Path root(RootPaths paths, Path override) throws SourceUnavailableException {
    if (override != null) {
      if (!isCgroup2(override)) {
        throw new SourceUnavailableException(override + " is not a cgroup v2 directory");
      }
      return override;
    }
    for (String candidate : new String[] {"fs/cgroup", "fs/cgroup/unified"}) {
      Path path = paths.sys(candidate);
      if (isCgroup2(path)) {
        return path;
      }
    }
    throw new SourceUnavailableException(
        "cgroup v1 only: no cgroup v2 hierarchy at "
            + paths.sys("fs/cgroup")
            + " or "
            + paths.sys("fs/cgroup/unified"));
  }

  private static boolean isCgroup2(Path path) {
    return Files.isRegularFile(path.resolve("cgroup.controllers"));
  }
}
