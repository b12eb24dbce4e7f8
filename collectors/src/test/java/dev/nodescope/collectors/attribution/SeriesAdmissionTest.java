package dev.nodescope.collectors.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.testing.TestFlags;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeriesAdmissionTest {
  static final PodName A = new PodName("shop", "a");
  static final PodName B = new PodName("shop", "b");

  static PodPeer peer(PodName local, int port) {
    return new PodPeer(
        local,
        new Remote("shop", "server", "", RemoteKind.POD, Locality.SAME_NODE),
        6,
        port,
        Role.CLIENT);
  }

  @Test
  void collectorsOfOneContextShareOneAdmission() {
    CollectorContext context =
        new CollectorContext(
            new RootPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/")),
            "node-a",
            TestFlags.with(Map.of(SeriesAdmission.MAX_SERIES, 6)),
            PodDirectory.EMPTY,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    SeriesAdmission flows = SeriesAdmission.of(context);
    SeriesAdmission tcp = SeriesAdmission.of(context);
    assertThat(tcp).isSameAs(flows);
    // 6 series: two peers of a (tx and rx each) and a's two aggregates.
    assertThat(flows.admit(peer(A, 80))).isTrue();
    assertThat(flows.admit(peer(A, 81))).isTrue();
    assertThat(flows.admit(peer(A, 82))).isFalse();
    // What one collector admitted the other finds admitted, past the cap too.
    assertThat(tcp.admit(peer(A, 81))).isTrue();
    assertThat(tcp.admit(peer(A, 83))).isFalse();
  }

  @Test
  void aPodThatGoesAwayGivesItsRoomBack() {
    SeriesAdmission admission = new SeriesAdmission(8);
    assertThat(admission.admit(peer(A, 80))).isTrue();
    assertThat(admission.admit(peer(B, 80))).isTrue();
    assertThat(admission.admit(peer(B, 81))).isFalse();
    admission.retainPods(Set.of(B));
    assertThat(admission.admit(peer(B, 81))).isTrue();
    assertThat(admission.admit(peer(A, 80))).isFalse();
  }
}
