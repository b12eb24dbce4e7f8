package dev.nodescope.collectors.ena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.conntrack.NetworkNamespace;
import dev.nodescope.collectors.testing.Capabilities;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ETHTOOL_GSTATS through our ioctl on a veth pair (veth implements it) in a namespace of the test's, against what
 * `ethtool -S` prints for the same interface: same names, same order, same values.
 */
class IoctlEthtoolKernelTest {
  private static final String NS = "nsena-" + ProcessHandle.current().pid();

  @BeforeAll
  static void createPair() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("ip");
    Capabilities.requireCommand("ethtool");
    sh("ip netns add " + NS);
    sh("ip netns exec " + NS + " ip link add enatest0 type veth peer name enatest1");
    sh("ip netns exec " + NS + " ip link set enatest0 up && ip netns exec " + NS + " ip link set enatest1 up");
    sh("ip netns exec " + NS + " ip addr add 192.0.2.1/24 dev enatest0");
  }

  @AfterAll
  static void removePair() throws Exception {
    if (Capabilities.isRoot()) {
      new ProcessBuilder("ip", "netns", "del", NS).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void statisticsEqualEthtoolS() throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit(() -> {
        NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + NS);
        try (IoctlEthtool ethtool = new IoctlEthtool()) {
          for (String iface : new String[] {"enatest0", "enatest1"}) {
            Map<String, Long> ours = ethtool.stats(iface);
            Map<String, Long> theirs = EnaCollectorTest.parseEthtoolSText(ethtoolS(iface));
            assertThat(ours).containsExactlyEntriesOf(theirs);
          }
          // veth's only non-zero statistic without XDP: each end names the other, as the namespace's sysfs does
          assertThat(ethtool.stats("enatest0").get("peer_ifindex")).isEqualTo(ifindex("enatest1"));
          assertThat(ethtool.stats("enatest1").get("peer_ifindex")).isEqualTo(ifindex("enatest0"));
          // lo has no statistics set: an empty map, not an error
          assertThat(ethtool.stats("lo")).isEmpty();
        }
        return null;
      }).get(60, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
  }

  private static long ifindex(String iface) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", NS, "cat", "/sys/class/net/" + iface + "/ifindex").start();
    return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
  }

  private static String ethtoolS(String iface) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", NS, "ethtool", "-S", iface).start();
    String text = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as(text).isTrue();
    return text;
  }

  private static void sh(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).inheritIO().start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("failed: " + command);
    }
  }
}
