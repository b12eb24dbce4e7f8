package dev.nodescope.collectors.ena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestNetns;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ETHTOOL_GSTATS through our ioctl on a veth pair (veth implements it) in a namespace of the
 * test's, against what `ethtool -S` prints for the same interface: same names, same order, same
 * values.
 */
class IoctlEthtoolKernelTest {
  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsena");

  @BeforeAll
  static void createPair() throws Exception {
    Capabilities.requireCommand("ethtool");
    NETNS.run("ip link add enatest0 type veth peer name enatest1");
    NETNS.run("ip link set enatest0 up");
    NETNS.run("ip link set enatest1 up");
    NETNS.run("ip addr add 192.0.2.1/24 dev enatest0");
  }

  @Test
  void statisticsEqualEthtoolS() throws Exception {
    NETNS.call(
        60,
        () -> {
          try (IoctlEthtool ethtool = new IoctlEthtool()) {
            for (String iface : new String[] {"enatest0", "enatest1"}) {
              Map<String, Long> ours = ethtool.stats(iface);
              Map<String, Long> theirs =
                  EnaCollectorTest.parseEthtoolSText(NETNS.output("ethtool", "-S", iface));
              assertThat(ours).containsExactlyEntriesOf(theirs);
            }
            // veth's only non-zero statistic without XDP: each end names the other, as the
            // namespace's sysfs does
            assertThat(ethtool.stats("enatest0").get("peer_ifindex"))
                .isEqualTo(ifindex("enatest1"));
            assertThat(ethtool.stats("enatest1").get("peer_ifindex"))
                .isEqualTo(ifindex("enatest0"));
            // lo has no statistics set: an empty map, not an error
            assertThat(ethtool.stats("lo")).isEmpty();
          }
          return null;
        });
  }

  private static long ifindex(String iface) throws Exception {
    return Long.parseLong(NETNS.output("cat", "/sys/class/net/" + iface + "/ifindex").trim());
  }
}
