package dev.nodescope.collectors.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Gates for tests that need root, network namespaces, BPF or a Debian tool. Outside CI a missing
 * capability skips the test loudly; in CI as root nothing may be missing, so the same gap fails the
 * test instead.
 */
public final class Capabilities {
  private Capabilities() {}

  public static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  public static boolean strict() {
    return "true".equals(System.getenv("CI")) && isRoot();
  }

  /**
   * Requires a condition; explains what is missing either by skipping (loudly) or, under CI as
   * root, failing.
   */
  public static void require(boolean present, String what) {
    if (present) {
      return;
    }
    String message = "missing capability: " + what;
    if (strict()) {
      throw new AssertionError(message + " (CI=true as root: privileged tests must run)");
    }
    System.err.println("SKIPPED (" + message + ")");
    Assumptions.abort(message);
  }

  public static void requireRoot() {
    require(isRoot(), "root");
  }

  /**
   * A machine without the NVIDIA driver, for the tests of how the agent copes with its absence: a
   * process cannot be kept from the driver the dynamic loader finds (on GPU machines
   * scripts/nvml-vs-nvidia-smi.sh is the test).
   */
  public static void requireNoNvidiaDriver() {
    require(
        List.of(
                "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
                "/usr/lib64/libnvidia-ml.so.1",
                "/usr/lib/libnvidia-ml.so.1")
            .stream()
            .noneMatch(library -> Files.exists(Path.of(library))),
        "a machine without the NVIDIA driver");
  }

  /** A program on the PATH, such as promtool or conntrack. */
  public static void requireCommand(String command) {
    require(onPath(command), "command '" + command + "' (scripts/test.sh installs it as root)");
  }

  public static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
