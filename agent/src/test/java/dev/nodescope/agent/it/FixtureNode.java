package dev.nodescope.agent.it;

import dev.nodescope.collectors.testing.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A writable copy of the fixture node's /proc, /sys and / trees, with the flags that point the
 * agent at it.
 */
final class FixtureNode {
  /** The fixture node both modules' tests share (fixtures/node/README.md). */
  static final Path SOURCE = Path.of("..", "fixtures", "node");

  final Path root;

  private FixtureNode(Path root) {
    this.root = root;
  }

  static FixtureNode copyTo(Path directory) throws IOException {
    Path root = FileTrees.copy(SOURCE, directory.resolve("node"));
    for (String tree : List.of("proc", "sys", "rootfs")) {
      Files.createDirectories(root.resolve(tree));
    }
    return new FixtureNode(root);
  }

  Path procfs() {
    return root.resolve("proc");
  }

  List<String> pathFlags() {
    return List.of(
        "--path.procfs=" + procfs(),
        "--path.sysfs=" + root.resolve("sys"),
        "--path.rootfs=" + root.resolve("rootfs"));
  }

  /** Takes every file of /proc away, as when a host mount disappears under a running agent. */
  void removeProcfs() {
    try (Stream<Path> files = Files.walk(procfs())) {
      files
          .sorted(java.util.Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.delete(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
