package dev.nodescope.collectors.testing;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What java.util.logging loggers (and their children) publish from the moment this is created until
 * it is closed. SLF4J's jdk14 binding hands them the message already formatted.
 */
public final class CapturedLogs implements AutoCloseable {
  /** Held here because java.util.logging keeps loggers only weakly, and with them the handler. */
  private final List<Logger> loggers;

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private CapturedLogs(List<Logger> loggers) {
    this.loggers = loggers;
    loggers.forEach(logger -> logger.addHandler(handler));
  }

  /** Starts capturing what the named loggers publish. */
  public static CapturedLogs of(String... loggerNames) {
    return new CapturedLogs(Arrays.stream(loggerNames).map(Logger::getLogger).toList());
  }

  /** Starts capturing what the logger of a class publishes. */
  public static CapturedLogs of(Class<?> source) {
    return of(source.getName());
  }

  /** The records published so far, in order. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The messages published so far, in order. */
  public List<String> messages() {
    return messages(Level.ALL);
  }

  /** The messages published so far at the given level or above, in order. */
  public List<String> messages(Level atLeast) {
    return records.stream()
        .filter(record -> record.getLevel().intValue() >= atLeast.intValue())
        .map(LogRecord::getMessage)
        .toList();
  }

  @Override
  public void close() {
    loggers.forEach(logger -> logger.removeHandler(handler));
  }
}
