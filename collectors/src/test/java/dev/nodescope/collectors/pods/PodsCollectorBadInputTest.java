package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.pods.PodsFixture.*;
import static dev.nodescope.collectors.pods.PodsMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.testing.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad file costs its one value and a partial failure; a cgroup that vanishes takes its series
 * with it quietly.
 */
class PodsCollectorBadInputTest {
  private static final String V2_POD_B =
      "sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"
          + "kubepods-burstable-pod5e6f7a8b_0000_4000_8000_00000000000b.slice";
  private static final String V2_APP_B = V2_POD_B + "/cri-containerd-" + APP_B + ".scope";

  @TempDir Path temp;

  @Test
  void malformedFilesCostOnlyTheirValue() throws Exception {
    Path tree = copy("cgroup-v2-systemd");
    Files.writeString(tree.resolve(V2_APP_B).resolve("cpu.stat"), "usage_usec lots\n");
    Files.writeString(tree.resolve(V2_APP_B).resolve("cpu.max"), "50000\n");
    Files.writeString(tree.resolve(V2_APP_B).resolve("memory.stat"), "anon 1\n");
    Files.writeString(tree.resolve(V2_POD_B).resolve("memory.max"), "-5\n");

    Run run = collect(tree, PodDirectory.EMPTY);

    assertThat(run.partialFailures())
        .hasSize(4)
        .anySatisfy(m -> assertThat(m).contains("CPU usage of cgroup").contains("'lots'"))
        .anySatisfy(m -> assertThat(m).contains("CPU limit of cgroup").contains("cpu.max: 50000"))
        .anySatisfy(
            m ->
                assertThat(m).contains("memory working set of cgroup").contains("no inactive_file"))
        .anySatisfy(m -> assertThat(m).contains("memory limit of cgroup").contains("'-5'"));
    String[] appB = {"", "", APP_B, POD_B};
    assertThat(run.value(CONTAINER.cpuUsage(), appB)).isEmpty();
    assertThat(run.value(CONTAINER.memoryLimit(), appB)).contains(536870912.0);
    assertThat(run.value(POD.cpuUsage(), "", "", POD_B)).contains(4.5);
    assertThat(run.value(POD.cpuUsage(), "", "", POD_A)).contains(123.456789);
  }

  @Test
  void unreadableFilesAreReportedNotMistakenForAVanishedCgroup() throws Exception {
    Path tree = copy("cgroup-v1-cgroupfs");
    Path podA = tree.resolve("sys/fs/cgroup/memory/kubepods/pod" + POD_A);
    Files.delete(podA.resolve("memory.usage_in_bytes"));
    String pauseA = "a0".repeat(32);
    Files.delete(podA.resolve(pauseA).resolve("cgroup.procs"));
    Files.createDirectory(podA.resolve(pauseA).resolve("cgroup.procs")); // unreadable even for root
    Files.createSymbolicLink(
        tree.resolve("proc/1002"), Path.of("1001")); // the app shares the pod's namespace

    Run run = collect(tree, PodDirectory.EMPTY);

    assertThat(run.partialFailures())
        .hasSize(2)
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("memory working set of cgroup kubepods/pod" + POD_A + ": missing"))
        .anySatisfy(
            m -> assertThat(m).contains("processes of cgroup kubepods/pod" + POD_A + "/" + pauseA));
    // the app container's process (1002) still leads to the pod's namespace
    assertThat(run.value(NETWORK_RECEIVE_BYTES, "", "", POD_A)).contains(987654321.0);
  }

  @Test
  void malformedNetDevLineIsReportedAndTheOtherInterfacesCount() throws Exception {
    Path tree = copy("cgroup-v2-systemd");
    Path netDev = tree.resolve("proc/1001/net/dev");
    Files.writeString(netDev, Files.readString(netDev) + "  eth1: 1 2 3\n");

    Run run = collect(tree, PodDirectory.EMPTY);

    assertThat(run.partialFailures()).singleElement().asString().contains("eth1: 1 2 3");
    assertThat(run.value(NETWORK_RECEIVE_BYTES, "", "", POD_A)).contains(987654321.0);
  }

  @Test
  void seriesOfAPodEndWithItsCgroup() throws Exception {
    Path tree = copy("cgroup-v2-systemd");
    var collector = new PodsCollectorFactory().create(context(paths(tree), PodDirectory.EMPTY));
    var first = new dev.nodescope.collectors.core.SnapshotBuilder("pods", ALL);
    collector.collect(first);
    assertThat(first.build(CLOCK).family(POD.cpuUsage()).samples()).hasSize(3);

    FileTrees.delete(tree.resolve(V2_POD_B));
    var second = new dev.nodescope.collectors.core.SnapshotBuilder("pods", ALL);
    collector.collect(second);

    assertThat(second.partialFailures()).isEmpty();
    assertThat(second.build(CLOCK).families().values())
        .allSatisfy(
            family ->
                assertThat(family.samples())
                    .noneMatch(sample -> sample.labelValues().contains(POD_B)));
    assertThat(second.build(CLOCK).family(POD.cpuUsage()).samples()).hasSize(2);
  }

  /** Symlinks (v1 controllers, namespace links) are copied as links, as they are on a real node. */
  private Path copy(String tree) throws IOException {
    return FileTrees.copy(FIXTURES.resolve(tree), temp.resolve(tree));
  }
}
