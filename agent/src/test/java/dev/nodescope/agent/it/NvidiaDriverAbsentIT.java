package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.testing.Capabilities;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar on a machine without the NVIDIA driver: the nvidia collector's factory runs, extracts
 * libjninvml from the jar, fails on the missing libnvidia-ml.so.1 (not on libcudart, which the
 * stock JavaCPP loading would need), and the agent is ready with the source reported absent.
 */
class NvidiaDriverAbsentIT {
  @TempDir Path temp;

  @Test
  void withoutTheDriverTheGpuSourceIsAbsentAndTheAgentReady() throws Exception {
    Capabilities.requireNoNvidiaDriver();
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      if (!factory.name().equals("nvidia")) {
        args.add("--no-collector." + factory.name());
      }
    }
    try (AgentProcess agent = AgentProcess.start(temp, args)) {
      TextExposition exposition = new TextExposition(agent.scrapeText());

      assertThat(exposition.byCollector("nodescope_collector_source_available"))
          .containsEntry("nvidia", 0.0);
      assertThat(exposition.metricNames())
          .noneMatch(name -> name.startsWith("DCGM_") || name.startsWith("nodescope_gpu_"));
      // The dynamic loader names the library it was loading and the dependency it missed.
      assertThat(agent.log())
          .contains("collector nvidia: source not available")
          .containsPattern(
              "nodescope-agent.jar/org/bytedeco/cuda/linux-x86_64/libjninvml.so: libnvidia-ml.so.1:"
                  + " cannot open shared object file")
          .doesNotContain("cudart")
          .doesNotContain("Exception in thread");
    }
  }
}
