package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.pods.PodsMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pod made by hand in this machine's real cgroup hierarchy (v1 cgroupfs layout, or v2 systemd
 * layout), with a process in its own network namespace. The truth: the limits the test wrote, and
 * the kernel's counters read here.
 */
class PodsCollectorHostCgroupTest {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static final long MEMORY_LIMIT = 256L << 20;

  @Test
  void readsAHandMadePodFromTheKernel() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("unshare");
    Capabilities.requireCommand("ip");
    boolean v2 = Files.exists(CGROUP.resolve("cgroup.controllers"));
    String uid = UUID.randomUUID().toString();
    String containerId = uid.replace("-", "").repeat(2);
    List<Path> created = new ArrayList<>();
    Process process = null;
    try {
      List<Path> containerDirs = List.of();
      String refusal = "";
      try {
        containerDirs = v2 ? makeV2(uid, containerId, created) : makeV1(uid, containerId, created);
      } catch (IOException e) {
        refusal =
            ": " + e; // a read-only or delegated hierarchy (a container without its own cgroup
        // rights)
      }
      Capabilities.require(
          !containerDirs.isEmpty(), "writable cgroup hierarchy at " + CGROUP + refusal);
      // a veth pair inside the new namespace; the ARP request for a UDP datagram crosses it, then
      // bash becomes sleep
      process =
          new ProcessBuilder(
                  "unshare",
                  "-n",
                  "bash",
                  "-c",
                  "ip link add nsveth0 type veth peer name nsveth1 && ip link set nsveth0 up && ip link set nsveth1 up"
                      + " && ip addr add 192.0.2.1/24 dev nsveth0"
                      + " && { echo probe > /dev/udp/192.0.2.9/9; sleep 1; exec sleep 120; }")
              .start();
      long pid = process.pid();
      for (Path dir : containerDirs) {
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
      }
      waitForInterface(pid);
      long[] before = nonLoopbackTraffic(pid);

      var collector =
          new PodsCollectorFactory()
              .create(PodsFixture.context(RootPaths.host(), PodDirectory.EMPTY));
      SnapshotBuilder builder = new SnapshotBuilder("pods", ALL);
      collector.collect(builder);
      PodsFixture.Run run =
          new PodsFixture.Run(builder.build(PodsFixture.CLOCK), builder.partialFailures());

      String[] container = {"", "", containerId, uid};
      String[] pod = {"", "", uid};
      assertThat(run.value(CONTAINER.cpuLimit(), container)).contains(0.5);
      assertThat(run.value(CONTAINER.memoryLimit(), container)).contains((double) MEMORY_LIMIT);
      assertThat(run.value(POD.cpuLimit(), pod)).isEmpty();
      double cpuSeconds = run.value(CONTAINER.cpuUsage(), container).orElseThrow();
      assertThat(cpuSeconds)
          .isGreaterThan(0)
          .isCloseTo(kernelCpuSeconds(v2, containerDirs), within(0.05));
      assertThat(run.value(CONTAINER.workingSet(), container).orElseThrow())
          .isCloseTo(kernelWorkingSet(v2, containerDirs), within(1e6));
      long[] after = nonLoopbackTraffic(pid);
      assertThat(after[0]).as("the ARP request crossed the veth pair").isPositive();
      assertThat(run.value(NETWORK_RECEIVE_BYTES, pod).orElseThrow().longValue())
          .isBetween(before[0], after[0]);
      assertThat(run.value(NETWORK_TRANSMIT_PACKETS, pod).orElseThrow().longValue())
          .isBetween(before[1], after[1]);
    } finally {
      if (process != null) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Collections.reverse(created);
      for (Path dir : created) {
        Files.deleteIfExists(dir); // rmdir of a cgroup: its control files go with it
      }
    }
  }

  private static List<Path> makeV1(String uid, String containerId, List<Path> created)
      throws IOException {
    List<Path> containerDirs = new ArrayList<>();
    for (String controller : List.of("cpu", "cpuacct", "memory")) {
      Path dir = CGROUP.resolve(controller);
      if (containerDirs.stream().anyMatch(d -> sameHierarchy(d, CGROUP.resolve(controller)))) {
        continue; // cpu and cpuacct co-mounted
      }
      for (String part : List.of("kubepods", "burstable", "pod" + uid, containerId)) {
        dir = dir.resolve(part);
        if (!Files.isDirectory(dir)) {
          Files.createDirectory(dir);
          created.add(dir);
        }
      }
      containerDirs.add(dir);
    }
    Path cpu = CGROUP.resolve("cpu/kubepods/burstable/pod" + uid + "/" + containerId);
    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000");
    Files.writeString(cpu.resolve("cpu.cfs_period_us"), "100000");
    Path memory = CGROUP.resolve("memory/kubepods/burstable/pod" + uid + "/" + containerId);
    Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(MEMORY_LIMIT));
    return containerDirs;
  }

  private static boolean sameHierarchy(Path containerDir, Path controller) {
    try {
      return containerDir.startsWith(controller.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  private static List<Path> makeV2(String uid, String containerId, List<Path> created)
      throws IOException {
    String systemdUid = uid.replace('-', '_');
    Path dir = CGROUP;
    for (String part :
        List.of(
            "kubepods.slice",
            "kubepods-burstable.slice",
            "kubepods-burstable-pod" + systemdUid + ".slice",
            "cri-containerd-" + containerId + ".scope")) {
      Files.writeString(dir.resolve("cgroup.subtree_control"), "+cpu +memory");
      dir = dir.resolve(part);
      if (!Files.isDirectory(dir)) {
        Files.createDirectory(dir);
        created.add(dir);
      }
    }
    Files.writeString(dir.resolve("cpu.max"), "50000 100000");
    Files.writeString(dir.resolve("memory.max"), Long.toString(MEMORY_LIMIT));
    return List.of(dir);
  }

  /** Usage of the container cgroup, read from the kernel's own file here. */
  private static double kernelCpuSeconds(boolean v2, List<Path> containerDirs) throws IOException {
    for (Path dir : containerDirs) {
      if (v2) {
        return CgroupFiles.readKey(dir.resolve("cpu.stat"), "usage_usec") / 1e6;
      }
      if (Files.exists(dir.resolve("cpuacct.usage"))) {
        return CgroupFiles.readLong(dir.resolve("cpuacct.usage")) / 1e9;
      }
    }
    throw new AssertionError("no cpu accounting in " + containerDirs);
  }

  /** usage minus inactive file, from the kernel's files read here. */
  private static double kernelWorkingSet(boolean v2, List<Path> containerDirs) throws IOException {
    Path dir = containerDirs.get(containerDirs.size() - 1);
    return v2
        ? CgroupFiles.readLong(dir.resolve("memory.current"))
            - CgroupFiles.readKey(dir.resolve("memory.stat"), "inactive_file")
        : CgroupFiles.readLong(dir.resolve("memory.usage_in_bytes"))
            - CgroupFiles.readKey(dir.resolve("memory.stat"), "total_inactive_file");
  }

  /** Until bash has set up the pair and sent its datagram (the process is then the sleep). */
  private static void waitForInterface(long pid) throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      if (Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the test's network namespace never got its interface");
  }

  /**
   * Receive bytes and transmit packets summed over the namespace's interfaces but lo, parsed here
   * by hand.
   */
  private static long[] nonLoopbackTraffic(long pid) throws IOException {
    long[] totals = new long[2];
    List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev"));
    for (String line : lines.subList(2, lines.size())) {
      String device = line.substring(0, line.indexOf(':')).trim();
      String[] fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+", -1);
      if (!device.equals("lo")) {
        totals[0] += Long.parseLong(fields[0]);
        totals[1] += Long.parseLong(fields[9]);
      }
    }
    return totals;
  }
}
