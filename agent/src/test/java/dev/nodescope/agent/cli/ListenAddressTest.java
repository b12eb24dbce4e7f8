package dev.nodescope.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ListenAddressTest {
  @Test
  void anEmptyHostBindsEveryInterface() throws UsageException {
    InetSocketAddress address = ListenAddress.parse(":9101");

    assertThat(address.getAddress().isAnyLocalAddress()).isTrue();
    assertThat(address.getPort()).isEqualTo(9101);
  }

  @Test
  void parsesIpv4Ipv6AndNames() throws Exception {
    assertThat(ListenAddress.parse("127.0.0.1:0"))
        .isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    InetSocketAddress v6 = ListenAddress.parse("[::1]:9101");
    assertThat(v6.getAddress())
        .isEqualTo(
            InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    assertThat(v6.getPort()).isEqualTo(9101);
    assertThat(ListenAddress.parse("localhost:80").getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void rejectsAddressesWithoutAUsablePort() {
    assertThatThrownBy(() -> ListenAddress.parse("9101")).hasMessageContaining("has no port");
    assertThatThrownBy(() -> ListenAddress.parse("[::1]"))
        .hasMessageContaining("has no numeric port");
    assertThatThrownBy(() -> ListenAddress.parse("host:"))
        .hasMessageContaining("has no numeric port");
    assertThatThrownBy(() -> ListenAddress.parse(":-1")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ListenAddress.parse(":65536")).hasMessageContaining("out of range");
  }
}
