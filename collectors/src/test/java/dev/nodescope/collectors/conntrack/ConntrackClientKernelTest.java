package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.netlink.Addresses;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestNetns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dumps a real conntrack table in a namespace of its own and compares with `conntrack -L -o
 * extended`.
 */
class ConntrackClientKernelTest {
  private static final int FIRST_PORT = 20000;
  private static final int PORTS = 40;
  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsflows-client");

  @BeforeAll
  static void createNamespaceWithTraffic() throws Exception {
    Capabilities.requireCommand("conntrack");
    NETNS.trackLoopback();
    for (int i = 0; i < PORTS; i++) {
      NETNS.run(
          "bash -c 'printf %0" + (10 + i) + "d 0 > /dev/udp/127.0.0.1/" + (FIRST_PORT + i) + "'");
    }
  }

  @Test
  void dumpMatchesConntrackTool() throws Exception {
    List<ConntrackEntry> entries = new ArrayList<>();
    NETNS.call(
        30,
        () -> {
          try (ConntrackClient client = ConntrackClient.open()) {
            client.dump(Addresses.AF_INET, 5000, e -> entries.add(e.toEntry()));
            assertThat(client.cpuStats(5000)).isNotEmpty();
          }
          return null;
        });
    Map<Integer, Long> ours = new HashMap<>();
    for (ConntrackEntry e : entries) {
      if (e.original().protocol() == 17) {
        ours.put(e.original().destinationPort(), e.originalBytes());
      }
    }
    Map<Integer, Long> tool = new HashMap<>();
    Matcher m =
        Pattern.compile("udp .*? dport=(\\d+) packets=(\\d+) bytes=(\\d+)")
            .matcher(NETNS.output("conntrack", "-L", "-o", "extended", "-p", "udp"));
    while (m.find()) {
      tool.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
    }
    assertThat(tool).hasSize(PORTS);
    assertThat(ours).isEqualTo(tool);
    // Independent arithmetic: each datagram is its payload plus 28 bytes of IPv4 and UDP headers.
    assertThat(ours.get(FIRST_PORT)).isEqualTo(10 + 28);
  }

  @Test
  void destroyEventCarriesFinalCounters() throws Exception {
    int port = FIRST_PORT + PORTS + 1;
    List<ConntrackEntry> events = new ArrayList<>();
    NETNS.call(
        30,
        () -> {
          try (ConntrackEventListener listener = ConntrackEventListener.start(1 << 20, 10_000)) {
            NETNS.run("bash -c 'printf %0100d 0 > /dev/udp/127.0.0.1/" + port + "'");
            NETNS.run("conntrack -D -p udp --dport " + port + " > /dev/null 2>&1");
            for (int i = 0;
                i < 50 && events.stream().noneMatch(e -> e.event() == ConntrackEntry.Event.DESTROY);
                i++) {
              Thread.sleep(20);
              events.addAll(listener.drain());
            }
            assertThat(listener.lostEvents()).isZero();
          }
          return null;
        });
    assertThat(events)
        .filteredOn(e -> e.original().destinationPort() == port)
        .extracting(ConntrackEntry::event)
        .containsExactly(ConntrackEntry.Event.NEW, ConntrackEntry.Event.DESTROY);
    ConntrackEntry destroyed = events.get(events.size() - 1);
    assertThat(destroyed.originalBytes()).isEqualTo(100 + 28);
    assertThat(destroyed.originalPackets()).isEqualTo(1);
  }
}
