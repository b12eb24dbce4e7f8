package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.StubNvidiaDriver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar with a driver present: the stand-in libnvidia-ml.so.1 of the collectors' tests (two
 * GPUs, one in MIG mode, one XID event) on the library path. GPU series, GPM after the second
 * collection and the XID counted by the event thread reach /metrics, and the OpenMetrics body
 * passes the strict parser. (promtool's lint is not asked: dcgm's label names, modelName and UUID,
 * are camelCase by contract.)
 */
class NvidiaStubDriverIT {
  @TempDir Path temp;

  @Test
  void gpuSeriesFromTheFatJarPassTheStrictParser() throws Exception {
    Path driver = StubNvidiaDriver.compile(temp);
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      if (!factory.name().equals("nvidia")) {
        args.add("--no-collector." + factory.name());
      }
    }
    args.add("--collector.nvidia.interval=1s");
    args.add("--collector.nvidia.timeout=1s");
    try (AgentProcess agent =
        AgentProcess.start(temp, args, Map.of("LD_LIBRARY_PATH", driver.toString()))) {
      Eventually.await(
          "GPM and the XID counted",
          () -> {
            String text = scrape(agent);
            return text.contains("DCGM_FI_PROF_SM_ACTIVE{")
                && text.contains("nodescope_gpu_xid_errors_total{");
          });
      String openMetrics = agent.scrapeOpenMetrics();
      Conformance.assertStrictOpenMetrics(openMetrics);
      TextExposition text = new TextExposition(agent.scrapeText());

      assertThat(text.byCollector("nodescope_collector_source_available"))
          .containsEntry("nvidia", 1.0);
      assertThat(text.series())
          .containsKey(
              "DCGM_FI_DEV_XID_ERRORS{DCGM_FI_DRIVER_VERSION=\"580.95.05\","
                  + "GPU_I_ID=\"3\",GPU_I_PROFILE=\"1g.10gb\",Hostname=\""
                  + AgentProcess.NODE_NAME
                  + "\","
                  + "UUID=\"GPU-11111111-2222-4333-8444-555555555555\",container=\"\",device=\"nvidia0\",err_code=\"79\","
                  + "err_msg=\"GPU has fallen off the bus\",gpu=\"0\",modelName=\"NVIDIA H100 80GB HBM3\",namespace=\"\","
                  + "pci_bus_id=\"00000000:18:00.0\",pod=\"\"}");
      assertThat(openMetrics)
          .contains("# TYPE nodescope_gpu_xid_errors counter\n")
          .contains("# TYPE DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL gauge\n");
      assertThat(agent.log()).doesNotContain("Exception");
    }
  }

  private static String scrape(AgentProcess agent) {
    try {
      return agent.scrapeText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
