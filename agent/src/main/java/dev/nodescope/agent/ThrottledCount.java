package dev.nodescope.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Occurrences of a recurring condition, reported to the log at once and then at most once per
 * interval with how many happened since: a flood of slow clients or dropped values must not flood
 * the log too.
 */
public final class ThrottledCount {
  private final Clock clock;
  private final Duration interval;
  private Instant lastReported = Instant.MIN;
  private long unreported;

  public ThrottledCount(Clock clock, Duration interval) {
    this.clock = clock;
    this.interval = interval;
  }

  /**
   * Adds occurrences; returns how many to report now (all since the last report), or 0 when no line
   * is due.
   */
  public synchronized long add(long occurrences) {
    unreported += occurrences;
    Instant now = clock.instant();
    if (!lastReported.plus(interval).isBefore(now)) {
      return 0;
    }
    long report = unreported;
    unreported = 0;
    lastReported = now;
    return report;
  }
}
