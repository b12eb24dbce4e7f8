package dev.nodescope.collectors.pods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the one-value and key-value files of cgroupfs; a file that does not parse is an IOException
 * naming it.
 */
final class CgroupFiles {
  private CgroupFiles() {}

  static String read(Path file) throws IOException {
    return Files.readString(file).trim();
  }

  static long readLong(Path file) throws IOException {
    return parseLong(file, read(file));
  }

  /** A {@code key value} line of a flat-keyed file such as cpu.stat or memory.stat. */
  static long readKey(Path file, String key) throws IOException {
    for (String line : read(file).split("\n", -1)) {
      int space = line.indexOf(' ');
      if (space > 0 && line.substring(0, space).equals(key)) {
        return parseLong(file, line.substring(space + 1).trim());
      }
    }
    throw new IOException("malformed " + file + ": no " + key);
  }

  /** The processes of this cgroup itself (not of its children), as cgroup.procs lists them. */
  static List<Long> readPids(Path file) throws IOException {
    List<Long> pids = new ArrayList<>();
    for (String line : read(file).split("\n", -1)) {
      if (!line.isBlank()) {
        pids.add(parseLong(file, line.trim()));
      }
    }
    return pids;
  }

  static long parseLong(Path file, String value) throws IOException {
    try {
      long parsed = Long.parseLong(value);
      if (parsed < 0) {
        throw new NumberFormatException("negative");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IOException("malformed " + file + ": '" + abbreviate(value) + "'");
    }
  }

  private static String abbreviate(String value) {
    return value.length() <= 60 ? value : value.substring(0, 60) + "...";
  }
}
