package dev.nodescope.collectors.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetDevStatsTest {
  @Test
  void readsReceiveAndTransmitColumnsIncludingOldStyleLinesWithoutASpace() {
    List<String> malformed = new ArrayList<>();
    List<NetDevStats> devices =
        NetDevStats.parse(
            "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
                + "  eth0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                + "  veth1a2b: 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                + "  short: 1 2 3\n",
            malformed::add);

    assertThat(devices).containsExactly(new NetDevStats("eth0", 1, 2, 3, 4, 9, 10, 11, 12));
    assertThat(malformed)
        .hasSize(2)
        .anySatisfy(m -> assertThat(m).contains("counters for veth1a2b"))
        .anySatisfy(m -> assertThat(m).isEqualTo("malformed /proc/net/dev line: short: 1 2 3"));
  }
}
