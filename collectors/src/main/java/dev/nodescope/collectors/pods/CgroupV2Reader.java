package dev.nodescope.collectors.pods;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * cgroup v2: one unified hierarchy; cpu.stat, memory.current/stat, cpu.max and memory.max in each
 * cgroup.
 */
final class CgroupV2Reader implements CgroupReader {
  private final Path root;

  CgroupV2Reader(Path root) {
    this.root = root;
  }

  @Override
  public Path hierarchy() {
    return root;
  }

  @Override
  public double cpuUsageSeconds(Path cgroup) throws IOException {
    return CgroupFiles.readKey(root.resolve(cgroup).resolve("cpu.stat"), "usage_usec") / 1e6;
  }

  @Override
  public long memoryWorkingSetBytes(Path cgroup) throws IOException {
    Path dir = root.resolve(cgroup);
    long usage = CgroupFiles.readLong(dir.resolve("memory.current"));
    return CgroupReader.workingSet(
        usage, CgroupFiles.readKey(dir.resolve("memory.stat"), "inactive_file"));
  }

  /** cpu.max is {@code $MAX $PERIOD}, where $MAX is {@code max} without a quota. */
  @Override
  public OptionalDouble cpuLimitCores(Path cgroup) throws IOException {
    Path file = root.resolve(cgroup).resolve("cpu.max");
    String[] fields = CgroupFiles.read(file).split("\\s+");
    if (fields.length != 2) {
      throw new IOException("malformed " + file + ": " + String.join(" ", fields));
    }
    if (fields[0].equals("max")) {
      return OptionalDouble.empty();
    }
    long period = CgroupFiles.parseLong(file, fields[1]);
    if (period == 0) {
      throw new IOException("malformed " + file + ": zero period");
    }
    return OptionalDouble.of((double) CgroupFiles.parseLong(file, fields[0]) / period);
  }

  @Override
  public OptionalLong memoryLimitBytes(Path cgroup) throws IOException {
    Path file = root.resolve(cgroup).resolve("memory.max");
    String value = CgroupFiles.read(file);
    return value.equals("max")
        ? OptionalLong.empty()
        : OptionalLong.of(CgroupFiles.parseLong(file, value));
  }

  @Override
  public List<Long> pids(Path cgroup) throws IOException {
    return CgroupFiles.readPids(root.resolve(cgroup).resolve("cgroup.procs"));
  }
}
