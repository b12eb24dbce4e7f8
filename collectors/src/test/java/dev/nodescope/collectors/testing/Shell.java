package dev.nodescope.collectors.testing;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Commands for tests that build network namespaces; every command is bounded in time. */
public final class Shell {
  private static final long COMMAND_SECONDS = 20;

  private Shell() {}

  /** Runs a bash command line, its output inherited; fails unless it exits 0 in time. */
  public static void sh(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).inheritIO().start();
    if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("failed: " + command);
    }
  }

  /** Runs a command and returns its standard output; fails unless it exits 0 in time. */
  public static String output(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("failed: " + String.join(" ", command));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
