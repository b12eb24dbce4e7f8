package dev.nodescope.agent.exposition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.CapturedLogs;
import dev.nodescope.collectors.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServerMetricsTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final HttpServerMetrics metrics =
      new HttpServerMetrics(clock, 10, Duration.ofSeconds(10), Duration.ofSeconds(30));
  private final CapturedLogs logs = CapturedLogs.of(HttpServerMetrics.class);

  @AfterEach
  void tearDown() {
    logs.close();
  }

  @Test
  void everyReasonAndPhaseIsExposedFromTheStart() {
    assertThat(metrics.rejected()).isEqualTo(Map.of("max_requests", 0L, "workers_busy", 0L));
    assertThat(metrics.timedOut()).isEqualTo(Map.of("request", 0L, "response", 0L));
  }

  @Test
  void eachConditionIsLoggedAtOnceThenAtMostOnceAMinuteWithTheCountSince() {
    metrics.timedOut(HttpServerMetrics.RESPONSE_PHASE);
    metrics.timedOut(HttpServerMetrics.RESPONSE_PHASE);
    metrics.rejected(HttpServerMetrics.MAX_REQUESTS);
    clock.advance(Duration.ofSeconds(59));
    metrics.timedOut(HttpServerMetrics.RESPONSE_PHASE);

    assertThat(logs.messages())
        .containsExactly(
            "http: cut 1 responses that the client did not read within 30s (slow scrapers)",
            "http: refused 1 scrapes with 503: already 10 in progress (--web.max-requests)");

    clock.advance(Duration.ofSeconds(2));
    metrics.timedOut(HttpServerMetrics.RESPONSE_PHASE);

    assertThat(logs.messages())
        .hasSize(3)
        .last()
        .isEqualTo("http: cut 3 responses that the client did not read within 30s (slow scrapers)");
    assertThat(metrics.timedOut()).containsEntry("response", 4L).containsEntry("request", 0L);
    assertThat(metrics.rejected()).containsEntry("max_requests", 1L);
  }
}
