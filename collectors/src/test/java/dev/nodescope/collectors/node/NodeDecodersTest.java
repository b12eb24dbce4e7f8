package dev.nodescope.collectors.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.nodescope.collectors.host.NetDevStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NodeDecodersTest {
  @Test
  void cpuLabelsAreTheKernelsNumbersEvenWithAnOfflineCpu() {
    List<String> malformed = new ArrayList<>();
    ProcStat stat =
        ProcStat.parse(
            "cpu  9 9 9 9\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu2 10 20 30 40 50 60 70 80 0 0\n"
                + "intr 1 2\n",
            malformed::add);

    assertThat(malformed).isEmpty();
    assertThat(stat.cpus()).extracting(ProcStat.CpuTimes::cpu).containsExactly("0", "2");
    assertThat(stat.cpus().get(1).ticksByMode())
        .containsExactly(
            entry("user", 10L),
            entry("nice", 20L),
            entry("system", 30L),
            entry("idle", 40L),
            entry("iowait", 50L),
            entry("irq", 60L),
            entry("softirq", 70L),
            entry("steal", 80L));
  }

  @Test
  void oldKernelsWithFewerColumnsGiveFewerModes() {
    ProcStat stat = ProcStat.parse("cpu0 1 2 3 4\n", m -> {});

    assertThat(stat.cpus().get(0).ticksByMode())
        .containsExactly(
            entry("user", 1L), entry("nice", 2L), entry("system", 3L), entry("idle", 4L));
  }

  @Test
  void mountFieldsAreUnescaped() {
    assertThat(Mounts.unescape("/mnt/a\\040b\\011c\\134d")).isEqualTo("/mnt/a b\tc\\d");
    assertThat(Mounts.unescape("/trailing\\04")).isEqualTo("/trailing\\04");
  }

  @Test
  void overmountedPseudoFilesystemHidesTheOneBelow() {
    List<Mounts.Mount> mounts =
        Mounts.reportable("/dev/sda1 /mnt ext4 rw 0 0\nproc /mnt proc rw 0 0\n", m -> {});

    assertThat(mounts).isEmpty();
  }

  /** Mutated real files: the decoders may reject lines but must never throw. */
  @Test
  void decodersSurviveRandomDamage() throws Exception {
    Path fixture = NodeFixture.SOURCE.resolve("proc");
    List<String> inputs =
        List.of(
            Files.readString(fixture.resolve("stat")),
            Files.readString(fixture.resolve("net/dev")),
            Files.readString(fixture.resolve("1/mounts")));
    Random random = new Random(42);
    for (int round = 0; round < 3000; round++) {
      byte[] bytes = inputs.get(round % 3).getBytes(StandardCharsets.ISO_8859_1);
      for (int flips = random.nextInt(8); flips >= 0; flips--) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      String damaged =
          new String(bytes, 0, random.nextInt(bytes.length + 1), StandardCharsets.ISO_8859_1);
      ProcStat.parse(damaged, m -> {});
      NetDevStats.parse(damaged, m -> {});
      Mounts.reportable(damaged, m -> {});
    }
  }
}
