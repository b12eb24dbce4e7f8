package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.attribution.PodPeer;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.netlink.Addresses;
import dev.nodescope.collectors.netlink.NetlinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /proc/net/nf_conntrack as a real kernel (6.18) wrote it, for a table holding TCP (established,
 * TIME_WAIT), UDP (unreplied, CONNMARKed, in zone 5), ICMP echo and IPv6 TCP;
 * fixtures/conntrack/conntrack-L-extended is `conntrack -L -o extended` of the same table at the
 * same moment, the independent reading to agree with.
 */
class ConntrackProcfsParserTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures/conntrack");

  @Test
  void agreesWithTheConntrackToolOnTheSameTable() throws IOException {
    List<ConntrackEntry> parsed = new ArrayList<>();
    for (String line : Files.readAllLines(FIXTURES.resolve("proc-net-nf_conntrack"))) {
      parsed.add(ConntrackProcfsParser.parseLine(line));
    }
    assertThat(parsed).doesNotContainNull().hasSize(6);
    Set<String> ours = new HashSet<>();
    for (ConntrackEntry e : parsed) {
      ours.add(
          String.join(
              " ",
              PodPeer.protocolName(e.original().protocol()),
              Addresses.text(e.original().sourceAddress()),
              Addresses.text(e.original().destinationAddress()),
              Integer.toString(e.original().sourcePort()),
              Integer.toString(e.original().destinationPort()),
              Long.toString(e.originalPackets()),
              Long.toString(e.originalBytes()),
              Addresses.text(e.reply().sourceAddress()),
              Long.toString(e.replyPackets()),
              Long.toString(e.replyBytes()),
              "mark=" + e.mark(),
              "zone=" + e.zone()));
    }
    // The tool's text: compressed IPv6, ports absent for ICMP, zone shown only when not 0.
    Pattern line =
        Pattern.compile(
            "^ipv[46]\\s+\\d+ (\\w+)\\s+\\d+ \\d+ (?:[A-Z_]+ )?src=(\\S+) dst=(\\S+) "
                + "(?:sport=(\\d+) dport=(\\d+)|type=\\d+ code=\\d+ id=\\d+) packets=(\\d+) bytes=(\\d+) (?:\\[UNREPLIED] )?"
                + "src=(\\S+) .*?packets=(\\d+) bytes=(\\d+) .*?mark=(\\d+) (?:zone=(\\d+) )?use=");
    Set<String> tool = new HashSet<>();
    for (String text : Files.readAllLines(FIXTURES.resolve("conntrack-L-extended.txt"))) {
      Matcher m = line.matcher(text);
      assertThat(m.find()).as(text).isTrue();
      tool.add(
          String.join(
              " ",
              m.group(1),
              m.group(2),
              m.group(3),
              m.group(4) == null ? "0" : m.group(4),
              m.group(5) == null ? "0" : m.group(5),
              m.group(6),
              m.group(7),
              m.group(8),
              m.group(9),
              m.group(10),
              "mark=" + m.group(11),
              "zone=" + (m.group(12) == null ? "0" : m.group(12))));
    }
    assertThat(ours).isEqualTo(tool);

    ConntrackEntry timeWait =
        parsed.stream().filter(e -> e.original().sourcePort() == 40001).findFirst().orElseThrow();
    assertThat(timeWait.tcpState()).isEqualTo(7); // TCP_CONNTRACK_TIME_WAIT
    ConntrackEntry unreplied = parsed.get(0);
    assertThat(unreplied.status() & 2).as("IPS_SEEN_REPLY").isZero();
    assertThat(unreplied.tcpState()).isEqualTo(-1);
    assertThat(parsed).extracting(ConntrackEntry::id).doesNotHaveDuplicates();
    assertThat(
            ConntrackProcfsParser.parseLine(
                    Files.readAllLines(FIXTURES.resolve("proc-net-nf_conntrack")).get(3))
                .id())
        .as("the same connection keeps its identity across reads")
        .isEqualTo(parsed.get(3).id());
  }

  @Test
  void countersAreAbsentWithoutAccounting() {
    ConntrackEntry e =
        ConntrackProcfsParser.parseLine(
            "ipv4     2 udp      17 29 src=192.0.2.10 dst=192.0.2.20 "
                + "sport=5000 dport=5353 [UNREPLIED] src=192.0.2.20 dst=192.0.2.10 sport=5353 dport=5000 mark=0 zone=0 use=2");
    assertThat(e.originalBytes()).as("no byte counter without accounting").isNegative();
    assertThat(e.original().destinationPort()).isEqualTo(5353);
  }

  @Test
  void readsPerCpuStatisticsByTheirHeaderNames() throws IOException {
    List<ConntrackCpuStats> stats =
        ConntrackProcfsParser.parseStats(
            Files.readString(FIXTURES.resolve("proc-net-stat-nf_conntrack")));
    assertThat(stats).hasSize(2).allSatisfy(s -> assertThat(s.found()).isZero());
    List<ConntrackCpuStats> made =
        ConntrackProcfsParser.parseStats(
            """
        entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
        00000004  00000000 0000000a 00000000 00000002 00000000 00000000 00000000 00000010 00000001 00000003 00000004 00000000  00000000 00000000 00000000 000000ff
        """);
    assertThat(made).containsExactly(new ConntrackCpuStats(0, 10, 2, 16, 1, 3, 4, 255));
  }

  @Test
  void neverThrowsOnMutatedOrRandomLines() throws IOException {
    List<String> lines = Files.readAllLines(FIXTURES.resolve("proc-net-nf_conntrack"));
    Random random = new Random(42);
    String alphabet = "0123456789abcdef:.=[] srcdstportpacketsbytesmarkzoneipv46tcpudp\t-+x";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder line = new StringBuilder(lines.get(random.nextInt(lines.size())));
      for (int edits = 1 + random.nextInt(4); edits > 0 && line.length() > 0; edits--) {
        int at = random.nextInt(line.length());
        switch (random.nextInt(3)) {
          case 0 -> line.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
          case 1 -> line.deleteCharAt(at);
          default -> line.setLength(at);
        }
      }
      String mutated = line.toString();
      assertThatCode(() -> ConntrackProcfsParser.parseLine(mutated))
          .as(mutated)
          .doesNotThrowAnyException();
      assertThatCode(() -> ConntrackProcfsParser.parseStats(mutated + "\n" + mutated))
          .doesNotThrowAnyException();
    }
    assertThat(ConntrackProcfsParser.parseLine("")).isNull();
    assertThat(
            ConntrackProcfsParser.parseLine(
                "ipv4 2 tcp 6 10 ESTABLISHED src=example.com dst=192.0.2.1 "
                    + "sport=1 dport=2 src=192.0.2.1 dst=192.0.2.2 sport=2 dport=1 use=1"))
        .as("no name lookups")
        .isNull();
  }

  @Test
  void readsTheTextTableOnlyWhereNetlinkIsRefused(@TempDir Path proc) throws IOException {
    RootPaths paths = new RootPaths(proc, proc, proc);
    ConntrackSource.NetlinkOpener eperm =
        () -> {
          throw new NetlinkException("conntrack netlink error", NetlinkException.EPERM);
        };
    assertThatThrownBy(() -> ConntrackSource.open(paths, eperm))
        .as("no text table either")
        .hasMessageContaining("EPERM")
        .hasMessageContaining("not readable");

    Files.createDirectories(proc.resolve("net/stat"));
    Files.copy(FIXTURES.resolve("proc-net-nf_conntrack"), proc.resolve("net/nf_conntrack"));
    try (ConntrackSource source = ConntrackSource.open(paths, eperm)) {
      assertThat(source.name()).isEqualTo("procfs");
      List<ConntrackEntry> entries = new ArrayList<>();
      source.dump(e -> entries.add(e.toEntry()));
      assertThat(entries).hasSize(6);
      assertThat(source.cpuStats()).as("kernel without /proc/net/stat/nf_conntrack").isEmpty();
    }
    ConntrackSource.NetlinkOpener noNfnetlink =
        () -> {
          throw new NetlinkException("netlink socket", NetlinkException.EPROTONOSUPPORT);
        };
    try (ConntrackSource source = ConntrackSource.open(paths, noNfnetlink)) {
      assertThat(source.name()).isEqualTo("procfs");
    }
    ConntrackSource.NetlinkOpener timeout =
        () -> {
          throw new NetlinkException("netlink recv", 110);
        };
    assertThatThrownBy(() -> ConntrackSource.open(paths, timeout))
        .as("not a refusal: no fallback")
        .isInstanceOf(NetlinkException.class);
  }
}
