package dev.nodescope.agent.cli;

/** A bad flag or config value: the agent prints the message on one line and exits 2. */
public final class UsageException extends Exception {
  public UsageException(String message) {
    super(message);
  }
}
