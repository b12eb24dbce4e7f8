package dev.nodescope.agent.cloudwatch;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: before attempt n (n ≥ 1) wait a uniform random time in [0,
 * min(cap, base·2^(n-1))]. Throttling and 5xx start from a larger base than other transient errors,
 * as the CloudWatch APIs recover slowly from both.
 */
public record Backoff(Duration base, Duration throttledBase, Duration cap) {

  public static Backoff standard() {
    return new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMinutes(1));
  }

  public Duration delayBeforeRetry(
      int retry, boolean throttledOrServerError, DoubleSupplier uniform01) {
    long startMillis = (throttledOrServerError ? throttledBase : base).toMillis();
    long ceiling = cap.toMillis();
    int doublings = Math.min(Math.max(retry - 1, 0), 30);
    long bound = Math.min(ceiling, startMillis << doublings);
    if (bound < 0) {
      bound = ceiling;
    }
    return Duration.ofMillis((long) (uniform01.getAsDouble() * bound));
  }
}
