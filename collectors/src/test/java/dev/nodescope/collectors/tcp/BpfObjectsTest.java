package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every committed eBPF object was built from the C sources as they are: the SHA-256 of each source
 * that scripts/build-bpf.sh recorded beside the object equals the source's today. A source changed
 * without rebuilding its object fails here, naming the script to run.
 */
class BpfObjectsTest {
  private static final Path SOURCES = Path.of("src/main/bpf");
  private static final Path OBJECTS = Path.of("src/main/resources/dev/nodescope/collectors/tcp");

  @Test
  void everyObjectIsBuiltFromTheCurrentSources() throws Exception {
    List<Path> programs = new ArrayList<>();
    try (DirectoryStream<Path> c = Files.newDirectoryStream(SOURCES, "*.bpf.c")) {
      c.forEach(programs::add);
    }
    assertThat(programs).isNotEmpty();
    for (Path program : programs) {
      String stem = program.getFileName().toString().replaceAll("\\.c$", "");
      Path object = OBJECTS.resolve(stem + ".o");
      Path recorded = OBJECTS.resolve(stem + ".o.sources");
      assertThat(object).as("object of %s (run scripts/build-bpf.sh)", program).exists();
      assertThat(recorded).as("sources of %s (run scripts/build-bpf.sh)", object).exists();
      List<String> expected = new ArrayList<>();
      expected.add(sha256(program) + "  " + program.getFileName());
      try (DirectoryStream<Path> headers = Files.newDirectoryStream(SOURCES, "*.h")) {
        List<Path> sorted = new ArrayList<>();
        headers.forEach(sorted::add);
        sorted.sort(null);
        for (Path header : sorted) {
          expected.add(sha256(header) + "  " + header.getFileName());
        }
      }
      assertThat(Files.readAllLines(recorded))
          .as("%s is stale: its sources changed; run scripts/build-bpf.sh and commit", object)
          .containsExactlyElementsOf(expected);
    }
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
