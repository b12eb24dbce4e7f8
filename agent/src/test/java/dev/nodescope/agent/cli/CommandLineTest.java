package dev.nodescope.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
  private static final Flag<Boolean> NODE = Flag.bool("collector.node", true, "Node.");
  private static final Flag<Duration> NODE_INTERVAL =
      Flag.duration("collector.node.interval", Duration.ofSeconds(15), "Node interval.");
  private static final Flag<Boolean> GPU = Flag.bool("collector.gpu", false, "GPU.");

  @TempDir Path temp;

  private final CommandLine commandLine = new CommandLine(flags());

  private static List<Flag<?>> flags() {
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(List.of(NODE, NODE_INTERVAL, GPU));
    return flags;
  }

  private FlagValues parse(String... args) throws UsageException {
    CommandLine.Parsed parsed = commandLine.parse(args);
    assertThat(parsed.action()).isEqualTo(CommandLine.Action.RUN);
    return parsed.values();
  }

  @Test
  void defaultsApplyWhenNothingIsGiven() throws UsageException {
    FlagValues values = parse();

    assertThat(values.get(AgentFlags.LISTEN_ADDRESS)).isEqualTo(":9101");
    assertThat(values.get(AgentFlags.TELEMETRY_PATH)).isEqualTo("/metrics");
    assertThat(values.get(AgentFlags.PROCFS)).isEqualTo(Path.of("/proc"));
    assertThat(values.get(AgentFlags.CONFIG_FILE)).isNull();
    assertThat(values.get(NODE)).isTrue();
    assertThat(values.get(GPU)).isFalse();
    assertThat(values.get(NODE_INTERVAL)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void acceptsBothValueFormsAndBooleanNegation() throws UsageException {
    FlagValues values =
        parse(
            "--web.listen-address",
            "127.0.0.1:9200",
            "--path.procfs=/host/proc",
            "--no-collector.node",
            "--collector.gpu",
            "--collector.node.interval=1m30s");

    assertThat(values.get(AgentFlags.LISTEN_ADDRESS)).isEqualTo("127.0.0.1:9200");
    assertThat(values.get(AgentFlags.PROCFS)).isEqualTo(Path.of("/host/proc"));
    assertThat(values.get(NODE)).isFalse();
    assertThat(values.get(GPU)).isTrue();
    assertThat(values.get(NODE_INTERVAL)).isEqualTo(Duration.ofSeconds(90));
    assertThat(parse("--collector.gpu=false").get(GPU)).isFalse();
    assertThat(parse("--collector.gpu", "--no-collector.gpu").get(GPU))
        .as("the last word wins")
        .isFalse();
  }

  @Test
  void configFileTakesFlatAndNestedKeysAndTheCommandLineWins() throws IOException, UsageException {
    Path config =
        Files.writeString(
            temp.resolve("nodescope.yml"),
            """
        web:
          listen-address: "127.0.0.1:9300"
          telemetry-path: /custom
        path.procfs: /host/proc
        log:
          level: debug
        collector:
          node:
            interval: 30s
          gpu: true
        """);

    FlagValues fromFile = parse("--config.file=" + config);
    assertThat(fromFile.get(AgentFlags.LISTEN_ADDRESS)).isEqualTo("127.0.0.1:9300");
    assertThat(fromFile.get(AgentFlags.TELEMETRY_PATH)).isEqualTo("/custom");
    assertThat(fromFile.get(AgentFlags.PROCFS)).isEqualTo(Path.of("/host/proc"));
    assertThat(fromFile.get(AgentFlags.LOG_LEVEL)).isEqualTo("debug");
    assertThat(fromFile.get(NODE_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
    assertThat(fromFile.get(GPU)).isTrue();
    assertThat(fromFile.get(NODE)).as("not in the file: default").isTrue();

    FlagValues overridden =
        parse("--log.level=warn", "--no-collector.gpu", "--config.file", config.toString());
    assertThat(overridden.get(AgentFlags.LOG_LEVEL)).isEqualTo("warn");
    assertThat(overridden.get(GPU)).isFalse();
    assertThat(overridden.get(AgentFlags.LISTEN_ADDRESS)).isEqualTo("127.0.0.1:9300");
  }

  @Test
  void anEmptyConfigFileChangesNothing() throws IOException, UsageException {
    Path empty = Files.writeString(temp.resolve("empty.yml"), "# nothing set\n");

    assertThat(parse("--config.file=" + empty).get(AgentFlags.LISTEN_ADDRESS)).isEqualTo(":9101");
  }

  @Test
  void unknownKeysAnywhereInTheFileAreErrors() throws IOException {
    Path typo =
        Files.writeString(temp.resolve("typo.yml"), "collector:\n  nodes:\n    interval: 5s\n");

    assertThatThrownBy(() -> parse("--config.file=" + typo))
        .isInstanceOf(UsageException.class)
        .hasMessage("--config.file " + typo + ": unknown setting 'collector.nodes.interval'");
  }

  @Test
  void helpAndVersionNeedNoValidValues() throws UsageException {
    assertThat(commandLine.parse(new String[] {"--help", "--bogus"}).action())
        .isEqualTo(CommandLine.Action.HELP);
    assertThat(commandLine.parse(new String[] {"--version"}).action())
        .isEqualTo(CommandLine.Action.VERSION);
  }

  @Test
  void aFlagDeclaredTwiceWithDifferentMeaningsIsAProgrammingError() {
    assertThatThrownBy(
            () -> new CommandLine(List.of(NODE, Flag.bool("collector.node", false, "Other."))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("flag --collector.node is declared twice");
  }
}
