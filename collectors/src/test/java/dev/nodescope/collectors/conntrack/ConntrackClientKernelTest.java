package dev.nodescope.collectors.conntrack;

import static dev.nodescope.collectors.conntrack.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dumps a real conntrack table in a namespace of its own and compares with `conntrack -L -o extended`. */
class ConntrackClientKernelTest {
  private static final String NS = "nsflows-client-" + ProcessHandle.current().pid();
  private static final int FIRST_PORT = 20000;
  private static final int PORTS = 40;

  @BeforeAll
  static void createNamespaceWithTraffic() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("conntrack");
    Capabilities.requireCommand("iptables");
    Capabilities.requireCommand("ip");
    sh("ip netns add " + NS);
    sh("ip netns exec " + NS + " ip link set lo up");
    sh("ip netns exec " + NS + " sysctl -qw net.netfilter.nf_conntrack_acct=1");
    // A conntrack match registers the netns' conntrack hooks, so entries get tracked.
    sh("ip netns exec " + NS + " iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT");
    for (int i = 0; i < PORTS; i++) {
      sh("ip netns exec " + NS + " bash -c 'printf %0" + (10 + i) + "d 0 > /dev/udp/127.0.0.1/" + (FIRST_PORT + i)
          + "'");
    }
  }

  @AfterAll
  static void removeNamespace() throws Exception {
    if (Capabilities.isRoot()) {
      Shell.deleteNamespace(NS);
    }
  }

  @Test
  void dumpMatchesConntrackTool() throws Exception {
    List<ConntrackEntry> entries = new ArrayList<>();
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit(() -> {
        NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + NS);
        try (ConntrackClient client = ConntrackClient.open()) {
          client.dump(CtnetlinkCodec.AF_INET, 5000, entries::add);
          assertThat(client.cpuStats(5000)).isNotEmpty();
        }
        return null;
      }).get(30, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
    Map<Integer, Long> ours = new HashMap<>();
    for (ConntrackEntry e : entries) {
      if (e.original().protocol() == 17) {
        ours.put(e.original().destinationPort(), e.originalBytes());
      }
    }
    Map<Integer, Long> tool = new HashMap<>();
    Matcher m = Pattern.compile("udp .*? dport=(\\d+) packets=(\\d+) bytes=(\\d+)").matcher(
        new String(new ProcessBuilder("ip", "netns", "exec", NS, "conntrack", "-L", "-o", "extended", "-p", "udp")
            .redirectErrorStream(false).start().getInputStream().readAllBytes()));
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
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit(() -> {
        NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + NS);
        try (ConntrackEventListener listener = ConntrackEventListener.start(1 << 20, 10_000)) {
          sh("ip netns exec " + NS + " bash -c 'printf %0100d 0 > /dev/udp/127.0.0.1/" + port + "'");
          sh("ip netns exec " + NS + " conntrack -D -p udp --dport " + port + " > /dev/null 2>&1");
          for (int i = 0; i < 50 && events.stream().noneMatch(e -> e.event() == ConntrackEntry.Event.DESTROY); i++) {
            Thread.sleep(20);
            events.addAll(listener.drain());
          }
          assertThat(listener.lostEvents()).isZero();
        }
        return null;
      }).get(30, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
    assertThat(events).filteredOn(e -> e.original().destinationPort() == port).extracting(ConntrackEntry::event)
        .containsExactly(ConntrackEntry.Event.NEW, ConntrackEntry.Event.DESTROY);
    ConntrackEntry destroyed = events.get(events.size() - 1);
    assertThat(destroyed.originalBytes()).isEqualTo(100 + 28);
    assertThat(destroyed.originalPackets()).isEqualTo(1);
  }

}
