package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

class LogSetupTest {
  private static LogRecord record(Level level, String message) {
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName("dev.nodescope.collectors.core.CollectorRunner");
    record.setMillis(1_700_000_000_000L);
    return record;
  }

  @Test
  void logfmtQuotesTheMessageOnOneLine() {
    String line =
        new LogSetup.LogfmtFormatter().format(record(Level.WARNING, "bad \"line\" in\n/proc\\x"));

    assertThat(line)
        .isEqualTo(
            "ts=2023-11-14T22:13:20Z level=warn caller=CollectorRunner "
                + "msg=\"bad \\\"line\\\" in\\n/proc\\\\x\"\n");
  }

  @Test
  void jsonIsOneParseableObjectPerLine() {
    String message = "tab\there \"quoted\" back\\slash\nnext \u0001";
    String line = new LogSetup.JsonFormatter().format(record(Level.FINE, message));

    assertThat(line).endsWith("}\n").hasLineCount(1);
    Map<String, Object> parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(line);
    assertThat(parsed)
        .containsEntry("level", "debug")
        .containsEntry("caller", "CollectorRunner")
        .containsEntry("msg", message)
        .containsEntry("ts", "2023-11-14T22:13:20Z");
  }

  @Test
  void levelsMapToPrometheusNames() {
    assertThat(LogSetup.levelName(Level.SEVERE)).isEqualTo("error");
    assertThat(LogSetup.levelName(Level.WARNING)).isEqualTo("warn");
    assertThat(LogSetup.levelName(Level.INFO)).isEqualTo("info");
    assertThat(LogSetup.levelName(Level.FINE)).isEqualTo("debug");
  }
}
