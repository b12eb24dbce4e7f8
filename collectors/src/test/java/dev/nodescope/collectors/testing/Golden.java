package dev.nodescope.collectors.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Golden files for collector output: a snapshot rendered as sorted {@code name{label="value"}
 * value} lines. Run with {@code -Dgolden.update=true} to rewrite them deliberately, then review the
 * diff.
 */
public final class Golden {
  private Golden() {}

  public static String render(Snapshot snapshot) {
    List<String> lines = new ArrayList<>();
    for (MetricFamily family : snapshot.families().values()) {
      List<String> names = family.descriptor().labelNames();
      for (Sample sample : family.samples()) {
        StringBuilder line = new StringBuilder(family.descriptor().name()).append('{');
        for (int i = 0; i < names.size(); i++) {
          line.append(i == 0 ? "" : ",")
              .append(names.get(i))
              .append("=\"")
              .append(sample.labelValues().get(i))
              .append('"');
        }
        lines.add(line.append("} ").append(format(sample.value())).toString());
      }
    }
    lines.sort(null);
    return String.join("\n", lines) + "\n";
  }

  private static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  /**
   * Compares with the golden file under src/test/resources (path relative to it), or rewrites it on
   * request.
   */
  public static void assertMatches(String actual, String resourcePath) throws IOException {
    Path file = Path.of("src/test/resources").resolve(resourcePath);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
      return;
    }
    assertThat(file).as("golden file %s (create it with -Dgolden.update=true)", file).exists();
    assertThat(actual)
        .as("output differs from golden file %s", file)
        .isEqualTo(Files.readString(file));
  }
}
