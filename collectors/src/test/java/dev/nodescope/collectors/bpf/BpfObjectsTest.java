package dev.nodescope.collectors.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
  private static final Path OBJECTS = Path.of("src/main/resources/dev/nodescope/collectors/bpf");

  @Test
  void everyObjectIsBuiltFromItsCurrentSource() throws Exception {
    List<Path> sources;
    try (Stream<Path> files = Files.list(SOURCES)) {
      sources = files.filter(f -> f.toString().endsWith(".bpf.c")).sorted().toList();
    }
    assertThat(sources).isNotEmpty();
    for (Path source : sources) {
      String name = source.getFileName().toString();
      String stem = name.substring(0, name.length() - ".c".length());
      Path object = OBJECTS.resolve(stem + ".o");
      assertThat(object).as("object of " + name + " (run scripts/build-bpf.sh)").isRegularFile();
      assertThat(Files.readString(OBJECTS.resolve(stem + ".o.sha256")).strip())
          .as(name + " changed since its object was built: run scripts/build-bpf.sh")
          .isEqualTo(sha256(source) + "  " + name);
    }
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
