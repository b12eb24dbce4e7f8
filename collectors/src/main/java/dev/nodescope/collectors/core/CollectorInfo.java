package dev.nodescope.collectors.core;

import java.time.Duration;

/**
 * What is fixed about a collector: its name (which becomes {@code --collector.<name>}), how often
 * it runs unless told otherwise, a one-line description for {@code --help} and the docs, and
 * whether it runs unless disabled.
 */
public record CollectorInfo(
    String name, Duration defaultInterval, String description, boolean enabledByDefault) {
  /** A collector that runs unless disabled. */
  public CollectorInfo(String name, Duration defaultInterval, String description) {
    this(name, defaultInterval, description, true);
  }
}
