package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = Backoff.standard();

  @Test
  void upperBoundDoublesFromItsBaseUpToTheCap() {
    assertThat(backoff.delayBeforeRetry(1, false, () -> 1.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.delayBeforeRetry(3, false, () -> 1.0)).isEqualTo(Duration.ofMillis(800));
    assertThat(backoff.delayBeforeRetry(1, true, () -> 1.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.delayBeforeRetry(5, true, () -> 1.0)).isEqualTo(Duration.ofSeconds(32));
    assertThat(backoff.delayBeforeRetry(6, true, () -> 1.0)).isEqualTo(Duration.ofMinutes(1));
    assertThat(backoff.delayBeforeRetry(500, true, () -> 1.0)).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void fullJitterScalesTheWholeInterval() {
    assertThat(backoff.delayBeforeRetry(3, false, () -> 0.0)).isZero();
    assertThat(backoff.delayBeforeRetry(3, false, () -> 0.5)).isEqualTo(Duration.ofMillis(400));
  }
}
