package dev.nodescope.agent;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes every log line (ours and the libraries', through SLF4J over JUL) to stderr in logfmt or
 * JSON.
 */
final class LogSetup {
  private LogSetup() {}

  static void configure(String level, String format) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Level julLevel =
        switch (level) {
          case "debug" -> Level.FINE;
          case "warn" -> Level.WARNING;
          case "error" -> Level.SEVERE;
          default -> Level.INFO;
        };
    root.setLevel(julLevel);
    Handler handler = new ConsoleHandler();
    handler.setLevel(julLevel);
    handler.setFormatter("json".equals(format) ? new JsonFormatter() : new LogfmtFormatter());
    root.addHandler(handler);
  }

  static String levelName(Level level) {
    if (level.intValue() >= Level.SEVERE.intValue()) {
      return "error";
    } else if (level.intValue() >= Level.WARNING.intValue()) {
      return "warn";
    } else if (level.intValue() >= Level.INFO.intValue()) {
      return "info";
    }
    return "debug";
  }

  static String message(LogRecord record) {
    String message = new SimpleText().formatMessage(record);
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      message = message + "\n" + trace;
    }
    return message;
  }

  static String shortLogger(String name) {
    return name == null ? "" : name.substring(name.lastIndexOf('.') + 1);
  }

  private static final class SimpleText extends Formatter {
    @Override
    public String format(LogRecord record) {
      return formatMessage(record);
    }
  }

  static final class LogfmtFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
      return "ts="
          + Instant.ofEpochMilli(record.getMillis())
          + " level="
          + levelName(record.getLevel())
          + " caller="
          + shortLogger(record.getLoggerName())
          + " msg="
          + quote(message(record))
          + "\n";
    }

    private static String quote(String value) {
      return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
  }

  static final class JsonFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
      return "{\"ts\":\""
          + Instant.ofEpochMilli(record.getMillis())
          + "\",\"level\":\""
          + levelName(record.getLevel())
          + "\",\"caller\":"
          + json(shortLogger(record.getLoggerName()))
          + ",\"msg\":"
          + json(message(record))
          + "}\n";
    }

    private static String json(String value) {
      return Json.render(value);
    }
  }
}
