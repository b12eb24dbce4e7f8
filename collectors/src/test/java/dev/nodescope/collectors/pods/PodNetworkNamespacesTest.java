package dev.nodescope.collectors.pods;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.RootPaths;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fixture trees of every cgroup layout (make-fixtures.sh): pod A and pod B each have a network
 * namespace of their own, pod C runs on the host's, whose namespace is process 1's.
 */
class PodNetworkNamespacesTest {
  @Test
  void mapsEachPodsOwnNamespaceToThePodInEveryLayout() throws Exception {
    for (String layout :
        List.of(
            "cgroup-v1-cgroupfs", "cgroup-v1-systemd", "cgroup-v2-cgroupfs", "cgroup-v2-systemd")) {
      Path tree = PodsFixture.FIXTURES.resolve(layout);
      RootPaths paths = new RootPaths(tree.resolve("proc"), tree.resolve("sys"), tree);

      assertThat(PodNetworkNamespaces.open(paths).podUidsByInode())
          .as(layout)
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  4026532301L, "1a2b3c4d-0000-4000-8000-00000000000a",
                  4026532402L, "5e6f7a8b-0000-4000-8000-00000000000b"));
    }
  }
}
