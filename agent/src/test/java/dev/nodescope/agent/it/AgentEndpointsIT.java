package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar on the fixture node with its default collectors: formats, conformance, health, self-metrics. */
class AgentEndpointsIT {
  /** What Prometheus 2.x sends: OpenMetrics preferred, text as the fallback. */
  private static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  @TempDir
  static Path temp;
  private static AgentProcess agent;

  @BeforeAll
  static void start() throws Exception {
    agent = AgentProcess.start(temp, FixtureNode.copyTo(temp).pathFlags());
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void textFormatPassesPromtoolWithoutFindings() throws Exception {
    Conformance.assertPromtoolFindsNothing(agent.scrapeText());
  }

  @Test
  void openMetricsPassesAStrictParserAndEndsWithEof() throws Exception {
    HttpResponse<byte[]> response = agent.get("/metrics", "Accept", PROMETHEUS_ACCEPT);
    String body = new String(response.body(), StandardCharsets.UTF_8);

    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(body).endsWith("# EOF\n").contains("# TYPE nodescope_build info\n");
    Conformance.assertStrictOpenMetrics(body);
  }

  @Test
  void bothFormatsCarryTheSameSeries() throws Exception {
    TextExposition text = new TextExposition(agent.scrapeText());
    String openMetrics = agent.scrapeOpenMetrics();

    for (String series : text.series().keySet()) {
      if (!series.startsWith("nodescope_collector_duration_seconds")) {
        assertThat(openMetrics).contains(series + " ");
      }
    }
  }

  @Test
  void gzipIsServedWhenAsked() throws Exception {
    HttpResponse<byte[]> response = agent.get("/metrics", "Accept-Encoding", "gzip");

    assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
      Conformance.assertPromtoolFindsNothing(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void healthAndReadinessAnswer() throws Exception {
    assertThat(agent.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(new String(agent.get("/readyz").body(), StandardCharsets.UTF_8)).isEqualTo("ready\n");
    assertThat(agent.get("/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void everyEnabledCollectorReportsOnItselfAndTheBuildIsNamed() throws Exception {
    TextExposition exposition = new TextExposition(agent.scrapeText());

    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      if (factory.enabledByDefault()) {
        assertThat(exposition.byCollector("nodescope_collector_success")).containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_errors_total")).containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_duration_seconds")).containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_source_available")).containsKey(factory.name());
      }
    }
    assertThat(exposition.series().keySet()).anyMatch(series -> series.matches(
        "nodescope_build_info\\{javaversion=\"17[^\"]*\",revision=\"[^\"]+\",version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"}"));
    assertThat(agent.log()).contains("on node " + AgentProcess.NODE_NAME);
  }
}
