package dev.nodescope.collectors.conntrack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Commands and threads for tests that build network namespaces; every command is bounded in time. */
final class Shell {
  private static final long COMMAND_SECONDS = 20;

  private Shell() {}

  /** Runs a bash command line, its output inherited; fails unless it exits 0 in time. */
  static void sh(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).inheritIO().start();
    if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("failed: " + command);
    }
  }

  /** Runs a command and returns its standard output; fails unless it exits 0 in time. */
  static String output(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("failed: " + String.join(" ", command));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** Deletes a namespace made with `ip netns add`, if it exists. */
  static void deleteNamespace(String name) throws Exception {
    new ProcessBuilder("ip", "netns", "del", name).inheritIO().start().waitFor(COMMAND_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Threads that each enter the named namespace (/var/run/netns/NAME) before running anything, so that every
   * socket they open lives there.
   */
  static ExecutorService threadsIn(String namespace) {
    return Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(() -> {
        try {
          NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + namespace);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        task.run();
      }, "netns-" + namespace);
      thread.setDaemon(true);
      return thread;
    });
  }
}
