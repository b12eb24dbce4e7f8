package dev.nodescope.collectors.testing;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Copies and deletes fixture trees, so that a test may break its own copy. */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Copies source to target; symbolic links are copied as links, as they stand on a real node
   * (cgroup v1, /sys).
   */
  public static Path copy(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isSymbolicLink(file)) {
          Files.createSymbolicLink(copy, Files.readSymbolicLink(file));
        } else if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
    }
    return target;
  }

  /** Copies source to target with every link replaced by what it points to. */
  public static Path copyResolvingLinks(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source, FileVisitOption.FOLLOW_LINKS)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
    }
    return target;
  }

  /** Deletes the tree at dir, if there is one. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
