package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exit codes and messages of the real process, as a shell or kubelet sees them. */
class AgentCommandLineIT {
  private static Processes.Result launch(String... args) throws Exception {
    return Processes.run(AgentProcess.command(List.of(args)), new byte[0], Duration.ofSeconds(60));
  }

  @Test
  void helpPrintsEveryFlagAndExitsZero() throws Exception {
    Processes.Result result = launch("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output()).startsWith("usage: nodescope-agent [<flags>]")
        .contains("--web.listen-address=STRING", "--path.procfs=PATH", "--config.file=PATH", "--log.format=logfmt|json");
  }

  @Test
  void versionExitsZero() throws Exception {
    Processes.Result result = launch("--version");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output()).matches("nodescope-agent, version \\S+ \\(revision \\S+\\)\n  java \\S+\n");
  }

  @Test
  void aBadFlagExitsTwoWithOneLine() throws Exception {
    Processes.Result unknown = launch("--web.listen-adress=:9101");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.output()).isEqualTo(
        "nodescope-agent: error: unknown flag --web.listen-adress, try --help\n");

    Processes.Result badValue = launch("--log.level=loud");
    assertThat(badValue.exitCode()).isEqualTo(2);
    assertThat(badValue.output()).hasLineCount(1).contains("invalid value 'loud' for --log.level");
  }

  @Test
  void aPortInUseIsAStartUpFailureNotAUsageError() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Processes.Result result = launch("--web.listen-address=127.0.0.1:" + taken.getLocalPort());

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.output()).contains("start-up failed").contains("Address already in use");
    }
  }
}
