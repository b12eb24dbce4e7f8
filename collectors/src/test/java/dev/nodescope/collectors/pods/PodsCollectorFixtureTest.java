package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.pods.PodsFixture.*;
import static dev.nodescope.collectors.pods.PodsMetrics.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * All four trees (cgroup v1 and v2, each under both kubelet drivers) carry the same pods with the
 * same accounting, written by make-fixtures.sh in each version's files and units, so all must give
 * the one golden output: the version and driver differences are all absorbed.
 */
class PodsCollectorFixtureTest {
  @ParameterizedTest
  @FieldSource("dev.nodescope.collectors.pods.PodsFixture#TREES")
  void matchesGoldenOutput(String tree) throws Exception {
    Run run = collect(FIXTURES.resolve(tree), DIRECTORY);

    assertThat(run.partialFailures()).isEmpty();
    Golden.assertMatches(Golden.render(run.snapshot()), "fixtures/pods/expected.golden");
  }

  /** The truth: the numbers make-fixtures.sh wrote, in the kubelet's units. */
  @ParameterizedTest
  @FieldSource("dev.nodescope.collectors.pods.PodsFixture#TREES")
  void valuesFollowTheKubeletsDefinitions(String tree) throws Exception {
    Run run = collect(FIXTURES.resolve(tree), DIRECTORY);
    String[] podA = {"inference", "llm-server-0", POD_A};
    String[] serverA = {"inference", "llm-server-0", "server", POD_A};

    assertThat(run.value(POD.cpuUsage(), podA)).contains(123.456789);
    assertThat(run.value(POD.workingSet(), podA)).contains(1073741824.0 - 134217728);
    assertThat(run.value(POD.cpuLimit(), podA)).contains(2.0);
    assertThat(run.value(POD.memoryLimit(), podA)).contains(4294967296.0);
    assertThat(run.value(CONTAINER.cpuUsage(), serverA)).contains(123.431789);
    assertThat(run.value(NETWORK_RECEIVE_BYTES, podA)).contains(987654321.0);
    assertThat(run.value(NETWORK_TRANSMIT_PACKETS, podA)).contains(234567.0);

    String[] podB = {"", "", POD_B};
    assertThat(run.value(POD.cpuLimit(), podB)).isEmpty();
    assertThat(run.value(POD.memoryLimit(), podB)).isEmpty();
    assertThat(run.value(CONTAINER.cpuLimit(), "", "", APP_B, POD_B)).contains(0.5);
    assertThat(run.value(CONTAINER.memoryLimit(), "", "", APP_B, POD_B)).contains(536870912.0);
    assertThat(run.value(CONTAINER.memoryLimit(), "", "", SIDECAR_B, POD_B)).isEmpty();
    // its first process (the pause container's) has exited: the next one answers for the namespace
    assertThat(run.value(NETWORK_RECEIVE_BYTES, podB)).contains(5555.0);
  }

  @ParameterizedTest
  @FieldSource("dev.nodescope.collectors.pods.PodsFixture#TREES")
  void containersAreNamedFromMetadataAndTheSandboxIsLeftOut(String tree) throws Exception {
    Run run = collect(FIXTURES.resolve(tree), DIRECTORY);

    assertThat(run.labels(CONTAINER.cpuUsage()))
        .containsExactlyInAnyOrder(
            List.of("inference", "llm-server-0", "server", POD_A),
            List.of("", "", "b0".repeat(32), POD_B),
            List.of("", "", APP_B, POD_B),
            List.of("", "", SIDECAR_B, POD_B),
            List.of("kube-system", "node-agent-x7k2p", "agent", POD_C));
  }

  /** Pod C shares the host's network namespace: its traffic is the node's, not its own. */
  @ParameterizedTest
  @FieldSource("dev.nodescope.collectors.pods.PodsFixture#TREES")
  void hostNetworkPodsHaveNoNetworkSeriesEvenWithoutMetadata(String tree) throws Exception {
    Run run = collect(FIXTURES.resolve(tree), PodDirectory.EMPTY);

    assertThat(run.labels(NETWORK_RECEIVE_BYTES))
        .extracting(labels -> labels.get(2))
        .containsExactlyInAnyOrder(POD_A, POD_B);
    assertThat(run.labels(POD.cpuUsage()))
        .extracting(labels -> labels.get(2))
        .containsExactlyInAnyOrder(POD_A, POD_B, POD_C);
  }

  /** A node tree whose cgroup hierarchy has no kubepods: a node that is not a kubelet's. */
  @Test
  void aNodeWithoutKubeletCgroupsHasNoSource(@TempDir Path noKubelet) throws IOException {
    Files.createDirectories(noKubelet.resolve("proc"));
    Files.createDirectories(noKubelet.resolve("sys/fs/cgroup/system.slice"));
    Files.writeString(noKubelet.resolve("sys/fs/cgroup/cgroup.controllers"), "cpu memory\n");

    assertThatThrownBy(
            () -> new PodsCollectorFactory().create(context(paths(noKubelet), PodDirectory.EMPTY)))
        .isInstanceOf(SourceUnavailableException.class);
  }
}
