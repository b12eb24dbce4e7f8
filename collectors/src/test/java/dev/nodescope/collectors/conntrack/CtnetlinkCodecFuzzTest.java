package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated messages: the decoder must return (never throw, never spin) and never invent
 * entries.
 */
class CtnetlinkCodecFuzzTest {
  private static final int ROUNDS = 20_000;

  @Test
  void randomBytesNeverThrowOrLoop() {
    Random random = new Random(1234);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (int i = 0; i < ROUNDS; i++) {
            byte[] buf = new byte[random.nextInt(600)];
            random.nextBytes(buf);
            CtnetlinkCodec.decode(buf, random.nextInt(buf.length + 20) - 10);
          }
        });
  }

  @Test
  void mutatedRealMessagesNeverThrowOrLoop() {
    byte[] real =
        NetlinkMessages.concat(
            CtnetlinkCodecTest.tcpEntry(
                CtnetlinkCodec.NLM_F_MULTI, CtnetlinkCodec.IPCTNL_MSG_CT_NEW),
            CtnetlinkCodecTest.tcpEntry(0, CtnetlinkCodec.IPCTNL_MSG_CT_DELETE),
            NetlinkMessages.done());
    Random random = new Random(99);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (int i = 0; i < ROUNDS; i++) {
            byte[] buf = real.clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
              buf[random.nextInt(buf.length)] = (byte) random.nextInt(256);
            }
            CtnetlinkCodec.Decoded d = CtnetlinkCodec.decode(buf, buf.length - random.nextInt(4));
            assertThat(d.entries().size()).isLessThanOrEqualTo(2);
          }
        });
  }
}
