package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.netlink.Addresses;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Keys and values as Cilium writes them, decoded; the version-to-layout rules. */
class CiliumCtDecoderTest {
  private static ByteBuffer buffer(byte[] bytes, int at) {
    ByteBuffer b = ByteBuffer.allocate(at + bytes.length).order(ByteOrder.nativeOrder());
    b.put(at, bytes);
    return b;
  }

  private static ConntrackEntry decode(
      byte[] key, byte[] value, CiliumCtLayout layout, CiliumCtDecoder.Frontend frontend) {
    // At offsets other than 0, as in a batch buffer.
    return CiliumCtDecoder.decode(
        ConntrackEntry.Event.DUMP,
        buffer(key, 3 * key.length),
        3 * key.length,
        key.length,
        buffer(value, 112),
        112,
        layout,
        frontend);
  }

  @Test
  void outEntryBefore116CountsTxAsOriginal() throws Exception {
    byte[] key = CiliumCtFixtures.key("192.0.2.10", 40000, "192.0.2.20", 8080, 6, 0);
    assertThat(key).hasSize(CiliumCtDecoder.KEY4_BYTES);
    byte[] value =
        CiliumCtFixtures.value(CiliumCtLayout.BEFORE_1_16, false, 10, 1000, 8, 5000, 0, 0);
    ConntrackEntry e = decode(key, value, CiliumCtLayout.BEFORE_1_16, null);
    assertThat(e.family()).isEqualTo(Addresses.AF_INET);
    assertThat(e.original().sourceAddress().getHostAddress()).isEqualTo("192.0.2.10");
    assertThat(e.original().sourcePort()).isEqualTo(40000);
    assertThat(e.original().destinationAddress().getHostAddress()).isEqualTo("192.0.2.20");
    assertThat(e.original().destinationPort()).isEqualTo(8080);
    assertThat(e.original().protocol()).isEqualTo(6);
    assertThat(e.reply().sourceAddress().getHostAddress()).isEqualTo("192.0.2.20");
    assertThat(e.reply().sourcePort()).isEqualTo(8080);
    assertThat(e.reply().destinationPort()).isEqualTo(40000);
    assertThat(e.originalPackets()).isEqualTo(10);
    assertThat(e.originalBytes()).isEqualTo(1000);
    assertThat(e.replyPackets()).isEqualTo(8);
    assertThat(e.replyBytes()).isEqualTo(5000);
  }

  @Test
  void inEntryBefore116CountsRxAsOriginal() throws Exception {
    byte[] key = CiliumCtFixtures.key("2001:db8::99", 50000, "2001:db8::10", 443, 6, 1);
    assertThat(key).hasSize(CiliumCtDecoder.KEY6_BYTES);
    byte[] value = CiliumCtFixtures.value(CiliumCtLayout.BEFORE_1_16, true, 5, 500, 6, 6000, 0, 0);
    ConntrackEntry e = decode(key, value, CiliumCtLayout.BEFORE_1_16, null);
    assertThat(e.family()).isEqualTo(Addresses.AF_INET6);
    assertThat(Addresses.text(e.original().sourceAddress())).isEqualTo("2001:db8::99");
    assertThat(Addresses.text(e.reply().sourceAddress())).isEqualTo("2001:db8::10");
    assertThat(e.reply().sourcePort()).isEqualTo(443);
    assertThat(e.originalBytes()).isEqualTo(500);
    assertThat(e.originalPackets()).isEqualTo(5);
    assertThat(e.replyBytes()).isEqualTo(6000);
    assertThat(e.replyPackets()).isEqualTo(6);
  }

  @Test
  void from116TheDirectionsCannotBeToldApart() throws Exception {
    byte[] key = CiliumCtFixtures.key("192.0.2.10", 40000, "192.0.2.20", 8080, 17, 0);
    byte[] value = CiliumCtFixtures.value(CiliumCtLayout.FROM_1_16, false, 10, 1000, 8, 5000, 0, 0);
    ConntrackEntry e = decode(key, value, CiliumCtLayout.FROM_1_16, null);
    assertThat(e.originalBytes()).isEqualTo(-1);
    assertThat(e.replyPackets()).isEqualTo(-1);
    assertThat(CiliumCtDecoder.counted(buffer(value, 0), 0)).isTrue();
  }

  @Test
  void serviceFrontendBecomesTheAddressedEnd() throws Exception {
    byte[] key = CiliumCtFixtures.key("192.0.2.10", 40001, "192.0.2.20", 8080, 6, 0);
    byte[] value = CiliumCtFixtures.value(CiliumCtLayout.BEFORE_1_16, false, 1, 2, 3, 4, 0, 513);
    assertThat(CiliumCtDecoder.revNatIndex(buffer(value, 0), 0)).isEqualTo(513);
    byte[] vip = {(byte) 203, 0, 113, 100};
    ConntrackEntry e =
        decode(key, value, CiliumCtLayout.BEFORE_1_16, new CiliumCtDecoder.Frontend(vip, 80));
    assertThat(e.original().destinationAddress().getHostAddress()).isEqualTo("203.0.113.100");
    assertThat(e.original().destinationPort()).isEqualTo(80);
    assertThat(e.reply().sourceAddress().getHostAddress()).isEqualTo("192.0.2.20");
    assertThat(e.reply().sourcePort()).isEqualTo(8080);
  }

  @Test
  void flagsClosingAndIdentities() throws Exception {
    byte[] out = CiliumCtFixtures.key("192.0.2.10", 1, "192.0.2.20", 2, 6, 0);
    byte[] in = CiliumCtFixtures.key("192.0.2.10", 1, "192.0.2.20", 2, 6, 1);
    byte[] service = CiliumCtFixtures.key("192.0.2.10", 1, "192.0.2.20", 2, 6, 4);
    assertThat(CiliumCtDecoder.flags(buffer(service, 0), 0, 14))
        .isEqualTo(CiliumCtDecoder.TUPLE_F_SERVICE);
    assertThat(CiliumCtDecoder.protocol(buffer(out, 0), 0, 14)).isEqualTo(6);
    assertThat(CiliumCtDecoder.identity(buffer(out, 0), 0, 14, true))
        .isEqualTo(CiliumCtDecoder.identity(buffer(in, 0), 0, 14, true));
    assertThat(CiliumCtDecoder.identity(buffer(out, 0), 0, 14, false))
        .isNotEqualTo(CiliumCtDecoder.identity(buffer(in, 0), 0, 14, false));
    byte[] closing =
        CiliumCtFixtures.value(
            CiliumCtLayout.BEFORE_1_16, false, 0, 0, 0, 0, CiliumCtFixtures.CLOSING, 0);
    byte[] open = CiliumCtFixtures.value(CiliumCtLayout.BEFORE_1_16, false, 0, 0, 0, 0, 0, 0);
    assertThat(CiliumCtDecoder.closing(buffer(closing, 0), 0)).isTrue();
    assertThat(CiliumCtDecoder.closing(buffer(open, 0), 0)).isFalse();
    assertThat(CiliumCtDecoder.counted(buffer(open, 0), 0)).isFalse();
  }

  @Test
  void versionsAndImages() {
    assertThat(CiliumCtLayout.forVersion("v1.16.3")).contains(CiliumCtLayout.FROM_1_16);
    assertThat(CiliumCtLayout.forVersion("1.18.0-rc.1")).contains(CiliumCtLayout.FROM_1_16);
    assertThat(CiliumCtLayout.forVersion("1.15")).contains(CiliumCtLayout.BEFORE_1_16);
    assertThat(CiliumCtLayout.forVersion("v1.10.0")).contains(CiliumCtLayout.BEFORE_1_16);
    assertThat(CiliumCtLayout.forVersion("1.9.18")).isEmpty();
    assertThat(CiliumCtLayout.forVersion("2.0.0")).isEmpty();
    assertThat(CiliumCtLayout.forVersion("latest")).isEmpty();
    assertThat(CiliumCtLayout.versionOfImage("quay.io/cilium/cilium:v1.16.3@sha256:0123abcd"))
        .contains("v1.16.3");
    assertThat(CiliumCtLayout.versionOfImage("registry:5000/cilium/cilium:v1.15.7"))
        .contains("v1.15.7");
    assertThat(CiliumCtLayout.versionOfImage("registry:5000/cilium/cilium")).isEmpty();
    assertThat(CiliumCtLayout.versionOfImage("quay.io/cilium/cilium@sha256:0123abcd")).isEmpty();
    assertThat(CiliumCtLayout.versionOfImage("quay.io/cilium/cilium:latest")).isEmpty();
  }
}
