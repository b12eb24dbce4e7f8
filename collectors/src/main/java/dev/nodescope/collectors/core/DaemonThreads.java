package dev.nodescope.collectors.core;

import java.util.concurrent.ThreadFactory;

/** Background threads that do not keep the JVM running once the agent's main thread is done. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Makes daemon threads, each with the given name. */
  public static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
