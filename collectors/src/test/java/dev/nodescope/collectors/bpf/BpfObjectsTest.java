package dev.nodescope.collectors.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each eBPF C source has its committed object, built from that very source: the object's {@code
 * .sha256} record (written by scripts/build-bpf.sh) names the source's current hash. A source
 * edited without running the script fails here, so the agent never loads stale code.
 */
class BpfObjectsTest {
  private static final Path SOURCES = Path.of("src/main/bpf");
  private static final Path OBJECTS = Path.of("src/main/resources/dev/nodescope/collectors/tcp");

  @Test
  void everyObjectIsBuiltFromItsCurrentSource() throws Exception {
    List<Path> programs = list(".bpf.c");
    List<Path> headers = list(".h");
    assertThat(programs).isNotEmpty();
    for (Path program : programs) {
      String name = program.getFileName().toString();
      String stem = name.substring(0, name.length() - ".c".length());
      assertThat(OBJECTS.resolve(stem + ".o"))
          .as("object of " + name + " (run scripts/build-bpf.sh)")
          .isRegularFile();
      List<String> expected = new ArrayList<>();
      expected.add(sha256(program) + "  " + name);
      for (Path header : headers) {
        expected.add(sha256(header) + "  " + header.getFileName());
      }
      assertThat(Files.readAllLines(OBJECTS.resolve(stem + ".o.sources")))
          .as(name + " or a header changed since its object was built: run scripts/build-bpf.sh")
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static List<Path> list(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
    }
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
