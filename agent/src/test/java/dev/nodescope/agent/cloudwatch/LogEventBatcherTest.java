package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogEventBatcherTest {

  @Test
  void batchesRespectCountBytesSpanAndOrderWithoutLosingEvents() {
    List<LogEventBatcher.LogEvent> events = new ArrayList<>();
    String big = "x".repeat(200_000);
    for (int i = 0; i < 12_000; i++) {
      events.add(new LogEventBatcher.LogEvent(12_000 - i, "e" + i));
    }
    for (int i = 0; i < 7; i++) {
      events.add(new LogEventBatcher.LogEvent(20_000 + i, big));
    }
    events.add(
        new LogEventBatcher.LogEvent(
            20_000 + 2 * LogEventBatcher.MAX_SPAN_MILLIS, "two days later"));

    List<List<LogEventBatcher.LogEvent>> batches = LogEventBatcher.batches(events);

    int total = 0;
    long previousTimestamp = Long.MIN_VALUE;
    for (List<LogEventBatcher.LogEvent> batch : batches) {
      assertThat(batch.size()).isLessThanOrEqualTo(10_000);
      assertThat(batch.stream().mapToLong(e -> e.message().length() + 26).sum())
          .isLessThanOrEqualTo(1_048_576);
      assertThat(batch.get(batch.size() - 1).timestampMillis() - batch.get(0).timestampMillis())
          .isLessThanOrEqualTo(LogEventBatcher.MAX_SPAN_MILLIS);
      for (LogEventBatcher.LogEvent event : batch) {
        assertThat(event.timestampMillis()).isGreaterThanOrEqualTo(previousTimestamp);
        previousTimestamp = event.timestampMillis();
      }
      total += batch.size();
    }
    assertThat(total).isEqualTo(events.size());
    // 10,000 small; 2,000 small + 4 big (a fifth would pass 1 MiB); 3 big; the late event alone.
    assertThat(batches.size()).isEqualTo(4);
  }
}
