package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ThrottledCountTest {
  @Test
  void reportsAtOnceThenAtMostOncePerIntervalWithEverythingSince() {
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    ThrottledCount count = new ThrottledCount(clock, Duration.ofMinutes(1));
    assertThat(count.add(3)).isEqualTo(3);
    assertThat(count.add(1)).isZero();
    clock.advance(Duration.ofSeconds(59));
    assertThat(count.add(2)).isZero();
    clock.advance(Duration.ofSeconds(2));
    assertThat(count.add(1)).as("1 + 2 + 1 since the first report").isEqualTo(4);
    assertThat(count.add(5)).isZero();
  }
}
