package dev.nodescope.collectors.pods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * cgroup v1: one hierarchy per controller, the same relative path in each. cpu and cpuacct are
 * often co-mounted as {@code cpu,cpuacct} (with {@code cpu} and {@code cpuacct} as symlinks to it);
 * either layout works.
 */
final class CgroupV1Reader implements CgroupReader {
  /**
   * The kernel's "no limit" in memory.limit_in_bytes is PAGE_COUNTER_MAX in bytes
   * (9223372036854771712 with 4 KiB pages, a little different with other page sizes): anything this
   * large is no limit.
   */
  static final long UNLIMITED_MEMORY = 1L << 62;

  private final Path cpu;
  private final Path cpuacct;
  private final Path memory;

  private CgroupV1Reader(Path cpu, Path cpuacct, Path memory) {
    this.cpu = cpu;
    this.cpuacct = cpuacct;
    this.memory = memory;
  }

  static CgroupV1Reader at(Path cgroupRoot) {
    return new CgroupV1Reader(
        controller(cgroupRoot, "cpu"),
        controller(cgroupRoot, "cpuacct"),
        cgroupRoot.resolve("memory"));
  }

  private static Path controller(Path cgroupRoot, String name) {
    Path separate = cgroupRoot.resolve(name);
    return Files.isDirectory(separate) ? separate : cgroupRoot.resolve("cpu,cpuacct");
  }

  /**
   * The memory hierarchy lists the pods: every kubelet pod cgroup has a memory limit or accounting
   * there.
   */
  @Override
  public Path hierarchy() {
    return memory;
  }

  @Override
  public double cpuUsageSeconds(Path cgroup) throws IOException {
    return CgroupFiles.readLong(cpuacct.resolve(cgroup).resolve("cpuacct.usage")) / 1e9;
  }

  /** total_inactive_file covers the whole subtree, as usage_in_bytes does. */
  @Override
  public long memoryWorkingSetBytes(Path cgroup) throws IOException {
    Path dir = memory.resolve(cgroup);
    long usage = CgroupFiles.readLong(dir.resolve("memory.usage_in_bytes"));
    return CgroupReader.workingSet(
        usage, CgroupFiles.readKey(dir.resolve("memory.stat"), "total_inactive_file"));
  }

  /** cfs_quota_us is -1 without a quota. */
  @Override
  public OptionalDouble cpuLimitCores(Path cgroup) throws IOException {
    Path dir = cpu.resolve(cgroup);
    Path quotaFile = dir.resolve("cpu.cfs_quota_us");
    String quota = CgroupFiles.read(quotaFile);
    if (quota.equals("-1")) {
      return OptionalDouble.empty();
    }
    long period = CgroupFiles.readLong(dir.resolve("cpu.cfs_period_us"));
    if (period == 0) {
      throw new IOException("malformed " + dir.resolve("cpu.cfs_period_us") + ": zero period");
    }
    return OptionalDouble.of((double) CgroupFiles.parseLong(quotaFile, quota) / period);
  }

  @Override
  public OptionalLong memoryLimitBytes(Path cgroup) throws IOException {
    long limit = CgroupFiles.readLong(memory.resolve(cgroup).resolve("memory.limit_in_bytes"));
    return limit >= UNLIMITED_MEMORY ? OptionalLong.empty() : OptionalLong.of(limit);
  }

  @Override
  public List<Long> pids(Path cgroup) throws IOException {
    return CgroupFiles.readPids(memory.resolve(cgroup).resolve("cgroup.procs"));
  }
}
