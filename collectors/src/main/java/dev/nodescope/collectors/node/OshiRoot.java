package dev.nodescope.collectors.node;

import dev.nodescope.collectors.core.RootPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import oshi.util.GlobalConfig;
import oshi.util.linux.ProcPath;
import oshi.util.linux.SysPath;

/**
 * Points OSHI at the host's /proc and /sys. OSHI reads {@code oshi.util.proc.path} and {@code
 * oshi.util.sys.path} once per JVM, into static finals of ProcPath and SysPath, so the first
 * binding wins for the life of the process. A later binding to another root cannot take effect: it
 * fails loudly rather than letting OSHI read the wrong tree.
 */
final class OshiRoot {
  private OshiRoot() {}

  static synchronized void bind(RootPaths paths) {
    String procfs = oshiForm(paths.procfs());
    String sysfs = oshiForm(paths.sysfs());
    // OSHI throws from a static initialiser (leaving the class unusable) when the path is missing:
    // check first.
    requireDirectory(procfs, "procfs");
    requireDirectory(sysfs, "sysfs");
    GlobalConfig.set(GlobalConfig.OSHI_UTIL_PROC_PATH, procfs);
    GlobalConfig.set(GlobalConfig.OSHI_UTIL_SYS_PATH, sysfs);
    requireBound("procfs", ProcPath.PROC, procfs);
    requireBound("sysfs", SysPath.SYS, sysfs);
  }

  /** Absolute and without a trailing slash: OSHI would take a relative path from /. */
  static String oshiForm(Path path) {
    return path.toAbsolutePath().normalize().toString();
  }

  private static void requireDirectory(String path, String what) {
    if (!Files.isDirectory(Path.of(path))) {
      throw new IllegalStateException(what + " " + path + " is not a directory");
    }
  }

  /** ProcPath keeps the root as given, SysPath with a trailing slash. */
  private static void requireBound(String what, String oshiRoot, String wanted) {
    if (!oshiForm(Path.of(oshiRoot)).equals(wanted)) {
      throw new IllegalStateException(
          "OSHI already reads "
              + what
              + " from "
              + oshiRoot
              + " in this process and"
              + " cannot be moved to "
              + wanted
              + " (its root is fixed once per JVM)");
    }
  }
}
