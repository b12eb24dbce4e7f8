package dev.nodescope.agent.cloudwatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits log events into PutLogEvents calls: time order, at most 10,000 events and 1,048,576 bytes
 * per call (each event counts its UTF-8 size plus 26 bytes), and no call spanning more than 24
 * hours.
 */
public final class LogEventBatcher {
  static final int MAX_EVENTS = 10_000;
  static final int MAX_BYTES = 1_048_576;
  static final int EVENT_OVERHEAD_BYTES = 26;
  static final long MAX_SPAN_MILLIS = 24L * 60 * 60 * 1000;

  public record LogEvent(long timestampMillis, String message) {
    int size() {
      return message.getBytes(StandardCharsets.UTF_8).length + EVENT_OVERHEAD_BYTES;
    }
  }

  private LogEventBatcher() {}

  public static List<List<LogEvent>> batches(List<LogEvent> events) {
    List<LogEvent> ordered = new ArrayList<>(events);
    ordered.sort(Comparator.comparingLong(LogEvent::timestampMillis));
    List<List<LogEvent>> batches = new ArrayList<>();
    List<LogEvent> current = new ArrayList<>();
    long currentBytes = 0;
    for (LogEvent event : ordered) {
      int size = event.size();
      if (size > MAX_BYTES) {
        throw new IllegalArgumentException(
            "log event of " + size + " bytes exceeds the PutLogEvents limit");
      }
      boolean full =
          current.size() == MAX_EVENTS
              || currentBytes + size > MAX_BYTES
              || (!current.isEmpty()
                  && event.timestampMillis() - current.get(0).timestampMillis() > MAX_SPAN_MILLIS);
      if (full) {
        batches.add(List.copyOf(current));
        current.clear();
        currentBytes = 0;
      }
      current.add(event);
      currentBytes += size;
    }
    if (!current.isEmpty()) {
      batches.add(List.copyOf(current));
    }
    return batches;
  }
}
