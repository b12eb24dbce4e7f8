package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The exit codes and messages of the real process, as a shell or kubelet sees them. */
class AgentCommandLineIT {
  @TempDir Path temp;

  private static Processes.Result launch(String... args) throws Exception {
    return Processes.run(AgentProcess.command(List.of(args)), new byte[0], Duration.ofSeconds(60));
  }

  @Test
  void helpPrintsEveryFlagAndExitsZero() throws Exception {
    Processes.Result result = launch("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .startsWith("usage: nodescope-agent [<flags>]")
        .contains(
            "--web.listen-address=STRING",
            "--path.procfs=PATH",
            "--config.file=PATH",
            "--log.format=logfmt|json");
  }

  @Test
  void versionExitsZero() throws Exception {
    Processes.Result result = launch("--version");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .matches("nodescope-agent, version \\S+ \\(revision \\S+\\)\n  java \\S+\n");
  }

  @Test
  void aBadFlagExitsTwoWithOneLine() throws Exception {
    Processes.Result unknown = launch("--web.listen-adress=:9101");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.output())
        .isEqualTo("nodescope-agent: error: unknown flag --web.listen-adress, try --help\n");

    Processes.Result badValue = launch("--log.level=loud");
    assertThat(badValue.exitCode()).isEqualTo(2);
    assertThat(badValue.output()).hasLineCount(1).contains("invalid value 'loud' for --log.level");
  }

  @Test
  void aPortInUseIsAStartUpFailureNotAUsageError() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Processes.Result result = launch("--web.listen-address=127.0.0.1:" + taken.getLocalPort());

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.output()).contains("start-up failed").contains("Address already in use");
    }
  }

  @Test
  void logsOneJsonObjectPerLineAndStopsOnSigterm() throws Exception {
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    args.add("--log.format=json");
    AgentProcess agent = AgentProcess.start(temp, args);

    int exitCode = agent.terminate(Duration.ofSeconds(15));

    assertThat(exitCode).as("killed by SIGTERM after a clean shutdown").isEqualTo(128 + 15);
    List<String> lines = agent.log().lines().toList();
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      Map<String, Object> entry = new Yaml(new SafeConstructor(new LoaderOptions())).load(line);
      assertThat(entry).as(line).containsKeys("ts", "level", "caller", "msg");
    }
    assertThat(lines).anyMatch(line -> line.contains("listening on /127.0.0.1:" + agent.port()));
  }

  @Test
  void aHigherLogLevelSilencesInfo() throws Exception {
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    args.add("--log.level=warn");
    try (AgentProcess agent = AgentProcess.start(temp, args)) {
      assertThat(agent.log()).doesNotContain("level=info");
    }
  }
}
