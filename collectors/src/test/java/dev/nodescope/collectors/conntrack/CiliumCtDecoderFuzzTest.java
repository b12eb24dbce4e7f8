package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random keys and values in batch-shaped buffers: decoding never throws and never yields a value
 * outside what the fields can hold (no negative counters but the -1 of "none", ports in range).
 */
class CiliumCtDecoderFuzzTest {
  private static final int ROUNDS = 20_000;

  @Test
  void randomEntriesDecodeWithinTheirFields() {
    Random random = new Random(4321);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (int i = 0; i < ROUNDS; i++) {
            int keyBytes =
                random.nextBoolean() ? CiliumCtDecoder.KEY4_BYTES : CiliumCtDecoder.KEY6_BYTES;
            int slot = random.nextInt(8);
            byte[] raw = new byte[8 * (keyBytes + CiliumCtDecoder.VALUE_BYTES)];
            random.nextBytes(raw);
            ByteBuffer keys = ByteBuffer.wrap(raw, 0, 8 * keyBytes).slice();
            ByteBuffer values =
                ByteBuffer.wrap(raw, 8 * keyBytes, 8 * CiliumCtDecoder.VALUE_BYTES)
                    .slice()
                    .order(ByteOrder.nativeOrder());
            CiliumCtLayout layout = CiliumCtLayout.values()[random.nextInt(2)];
            ConntrackEntry e =
                CiliumCtDecoder.decode(
                    ConntrackEntry.Event.DUMP,
                    keys,
                    slot * keyBytes,
                    keyBytes,
                    values,
                    slot * CiliumCtDecoder.VALUE_BYTES,
                    layout,
                    null);
            assertThat(e.original().source()).hasSize(CiliumCtDecoder.addressBytes(keyBytes));
            assertThat(e.original().sourcePort()).isBetween(0, 65535);
            assertThat(e.reply().sourcePort()).isBetween(0, 65535);
            assertThat(e.original().protocol()).isBetween(0, 255);
            for (long counter :
                new long[] {
                  e.originalPackets(), e.originalBytes(), e.replyPackets(), e.replyBytes()
                }) {
              assertThat(counter)
                  .isGreaterThanOrEqualTo(layout == CiliumCtLayout.FROM_1_16 ? -1 : 0);
            }
            assertThat(CiliumCtDecoder.revNatIndex(values, slot * CiliumCtDecoder.VALUE_BYTES))
                .isBetween(0, 65535);
          }
        });
  }
}
