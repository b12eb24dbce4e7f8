package dev.nodescope.collectors.pods;

import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The resource accounting of one cgroup, as the kubelet reads it, for one cgroup version. Cgroups
 * are named by their path relative to the hierarchy root (the same under every v1 controller).
 */
interface CgroupReader {
  /** Where the pod cgroups are listed. */
  Path hierarchy();

  double cpuUsageSeconds(Path cgroup) throws IOException;

  /** Usage minus inactive file cache (floored at 0), the kubelet's eviction signal. */
  long memoryWorkingSetBytes(Path cgroup) throws IOException;

  /** Empty when the cgroup has no CPU quota. */
  OptionalDouble cpuLimitCores(Path cgroup) throws IOException;

  /** Empty when the cgroup has no memory limit. */
  OptionalLong memoryLimitBytes(Path cgroup) throws IOException;

  /** Processes directly in this cgroup. */
  List<Long> pids(Path cgroup) throws IOException;

  /** cgroup v2 when the root is the unified hierarchy; v1 when it holds controller hierarchies. */
  static CgroupReader detect(Path cgroupRoot) throws SourceUnavailableException {
    if (Files.exists(cgroupRoot.resolve("cgroup.controllers"))) {
      return new CgroupV2Reader(cgroupRoot);
    }
    if (Files.isDirectory(cgroupRoot.resolve("memory"))) {
      return CgroupV1Reader.at(cgroupRoot);
    }
    throw new SourceUnavailableException("no cgroup v1 or v2 hierarchy at " + cgroupRoot);
  }

  static long workingSet(long usage, long inactiveFile) {
    return Math.max(0, usage - inactiveFile);
  }
}
