package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.Sockets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar on the fixture node with its default collectors: formats, conformance, health,
 * self-metrics.
 */
class AgentEndpointsIT {
  /** What Prometheus 2.x sends: OpenMetrics preferred, text as the fallback. */
  private static final String PROMETHEUS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,"
          + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  @TempDir static Path temp;
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
    assertThat(new String(agent.get("/readyz").body(), StandardCharsets.UTF_8))
        .isEqualTo("ready\n");
    assertThat(agent.get("/nope").statusCode()).isEqualTo(404);
  }

  /**
   * The process as deployed (agent/jvm.options, default flags) has the server's defences on: slow
   * clients that once held its every worker leave the probes answered and are closed at the 10 s
   * request deadline. SlowClientsTest covers each kind of client in depth, with shorter deadlines.
   */
  @Test
  void slowClientsLeaveProbesAnsweredAndAreClosedAtTheDeadline() throws Exception {
    int slowClients = 12;
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < slowClients; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), agent.port());
        socket
            .getOutputStream()
            .write("GET /metrics HTTP/1.1\r\nX-Slow: a".getBytes(StandardCharsets.US_ASCII));
        sockets.add(socket);
      }
      Thread.sleep(500);
      long start = System.nanoTime();

      assertThat(agent.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(agent.get("/readyz").statusCode()).isEqualTo(200);
      agent.scrapeText();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as(
              "answered while the slow clients still hold their connections, well before the 10 s deadline frees them")
          .isLessThan(Duration.ofSeconds(5));

      for (Socket socket : sockets) {
        assertThat(
                Sockets.closedUnanswered(
                    socket, Duration.ofSeconds(10 + 1 + 3))) // deadline, timer tick, slack
            .as("closed by the server")
            .isTrue();
      }
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
    Eventually.await("every slow client counted", () -> timedOutRequests() == slowClients);
  }

  private static double timedOutRequests() {
    try {
      return new TextExposition(agent.scrapeText())
          .series()
          .get("nodescope_http_connections_timed_out_total{phase=\"request\"}");
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyEnabledCollectorReportsOnItselfAndTheBuildIsNamed() throws Exception {
    TextExposition exposition = new TextExposition(agent.scrapeText());

    for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
      if (factory.enabledByDefault()) {
        assertThat(exposition.byCollector("nodescope_collector_success"))
            .containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_errors_total"))
            .containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_duration_seconds"))
            .containsKey(factory.name());
        assertThat(exposition.byCollector("nodescope_collector_source_available"))
            .containsKey(factory.name());
      }
    }
    assertThat(exposition.series().keySet())
        .anyMatch(
            series ->
                series.matches(
                    "nodescope_build_info\\{javaversion=\"17[^\"]*\",revision=\"[^\"]+\",version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"}"));
    assertThat(agent.log()).contains("on node " + AgentProcess.NODE_NAME);
  }
}
