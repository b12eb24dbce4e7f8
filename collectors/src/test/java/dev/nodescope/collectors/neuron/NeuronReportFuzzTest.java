package dev.nodescope.collectors.neuron;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.SnapshotBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutated and random reports: the decoder either returns a map or says IOException (which the
 * collector counts and skips), and whatever it returns the state absorbs without throwing. Seeded,
 * so a failure can be replayed.
 */
class NeuronReportFuzzTest {
  @Test
  @Timeout(60)
  void mutatedAndRandomReportsNeverEscapeTheDecoderOrTheState() throws IOException {
    byte[] sample;
    try (InputStream in = NeuronReportFuzzTest.class.getResourceAsStream("/neuron/sample.json")) {
      sample = in.readAllBytes();
    }
    Random random = new Random(20261123);
    NeuronState state = new NeuronState();
    int decoded = 0;
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] input = i % 3 == 0 ? randomBytes(random) : mutate(sample, random);
      Map<String, Object> report;
      try {
        report = NeuronReportDecoder.decode(input);
      } catch (IOException expected) {
        rejected++;
        continue;
      }
      decoded++;
      state.apply(report, NeuronOwners.NONE);
    }
    SnapshotBuilder out = new SnapshotBuilder("neuron", NeuronMetrics.ALL);
    state.writeTo(out);
    // Both roads were taken: the fuzzing reached the state, not only the decoder's error path.
    assertThat(decoded).isPositive();
    assertThat(rejected).isPositive();
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[random.nextInt(200)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** Flips, deletes, duplicates or truncates a few places of the real report. */
  private static byte[] mutate(byte[] sample, Random random) {
    byte[] bytes = sample.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(4)) {
        case 0 -> bytes[at] = (byte) random.nextInt(256);
        case 1 -> bytes[at] = (byte) "{}[]\":,0-.eE".charAt(random.nextInt(12));
        case 2 -> bytes = java.util.Arrays.copyOf(bytes, Math.max(1, at));
        default -> {
          byte[] longer = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, longer, 0, at);
          longer[at] = bytes[at];
          System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
          bytes = longer;
        }
      }
    }
    return bytes;
  }
}
