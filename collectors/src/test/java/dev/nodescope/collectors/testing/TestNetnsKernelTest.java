package dev.nodescope.collectors.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The fixture the kernel tests rely on to leave nothing behind: what it makes, close deletes. */
class TestNetnsKernelTest {
  @Test
  void closeDeletesTheNamespaceAndWhatLivesInIt() throws Exception {
    // The try closes it a second time: were that to run `ip netns del` again, it would fail the
    // test.
    try (TestNetns netns = TestNetns.create("nstestnetns")) {
      Path file = Path.of("/var/run/netns", netns.name());
      netns.trackLoopback("192.0.2.1");
      assertThat(file).exists();
      assertThat(netns.output("ip", "-4", "addr", "show", "dev", "lo"))
          .contains("inet 192.0.2.1/32");
      netns.close();
      assertThat(file).doesNotExist();
      assertThat(Shell.output("ip", "netns", "list")).doesNotContain(netns.name());
    }
  }
}
