package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.testing.Capabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as root on this kernel, but started without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN
 * (setpriv drops them from the bounding and inheritable sets, as a pod spec without them would):
 * the tcp collector loads no part, says why in one log line naming both parts, and exports no tcp
 * series, while the node collector next to it runs as usual.
 */
class TcpWithoutCapBpfIT {
  private static final List<String> WITHOUT_BPF =
      List.of(
          "setpriv",
          "--bounding-set=-bpf,-perfmon,-sys_admin",
          "--inh-caps=-bpf,-perfmon,-sys_admin",
          "--");

  @TempDir Path temp;

  @Test
  void withoutCapBpfTheTcpCollectorIsUnavailableAndTheOthersRun() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("setpriv");
    // With BTF missing the reason would be "no BTF", not the capability.
    Capabilities.require(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
    List<String> args = new ArrayList<>();
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      if (!factory.name().equals("tcp") && !factory.name().equals("node")) {
        args.add("--no-collector." + factory.name());
      }
    }
    try (AgentProcess agent = AgentProcess.start(temp, WITHOUT_BPF, args, Map.of())) {
      TextExposition exposition = new TextExposition(agent.scrapeText());

      assertThat(exposition.byCollector("nodescope_collector_source_available"))
          .containsEntry("tcp", 0.0)
          .containsEntry("node", 1.0);
      assertThat(exposition.byCollector("nodescope_collector_success")).containsEntry("node", 1.0);
      assertThat(exposition.metricNames())
          .noneMatch(name -> name.startsWith("nodescope_tcp_") || name.contains("packet_drops"))
          .anyMatch(name -> name.startsWith("nodescope_node_"));
      List<String> tcpLines =
          agent.log().lines().filter(line -> line.contains("collector tcp")).toList();
      assertThat(tcpLines).as("log lines of the tcp collector").hasSize(1);
      assertThat(tcpLines.get(0))
          .contains("source not available")
          .contains("health: no CAP_BPF/CAP_PERFMON")
          .contains("drops: no CAP_BPF/CAP_PERFMON");
      assertThat(agent.log()).doesNotContain("Exception in thread");
      assertThat(agent.isAlive()).isTrue();
    }
  }
}
