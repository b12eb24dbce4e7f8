package dev.nodescope.agent.exposition;

import static dev.nodescope.agent.exposition.ExpositionFixture.BYTES;
import static dev.nodescope.agent.exposition.ExpositionFixture.LOAD;
import static dev.nodescope.agent.exposition.ExpositionFixture.POD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.CollectorHealth;
import dev.nodescope.collectors.core.CollectorRunner;
import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AgentHttpServerTest {
  private static final String OPENMETRICS =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private ExpositionFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ExpositionFixture();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private void publishTypicalRun() {
    fixture.publish(
        ExpositionFixture.run()
            .add(BYTES, 10, "eth0")
            .add(BYTES, 2.5e9, "odd \"name\" \\ with\nnewline")
            .add(LOAD, 0.25)
            .add(POD, 1, "default", "web-0"),
        new CollectorHealth("test", 0.012, true, true, 3, 4));
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void servesPrometheusTextByDefault() throws Exception {
    publishTypicalRun();

    HttpResponse<byte[]> response = fixture.get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(text(response))
        .contains(
            """
        # HELP test_receive_bytes_total Bytes received.
        # TYPE test_receive_bytes_total counter
        test_receive_bytes_total{device="eth0"} 10.0
        test_receive_bytes_total{device="odd \\"name\\" \\\\ with\\nnewline"} 2.5E9
        """,
            """
        # TYPE test_load1 gauge
        test_load1 0.25
        """,
            """
        # TYPE test_pod_info gauge
        test_pod_info{namespace="default",pod="web-0"} 1
        """,
            """
        nodescope_collector_duration_seconds{collector="test"} 0.012
        """,
            """
        nodescope_collector_errors_total{collector="test"} 3.0
        """,
            """
        nodescope_collector_success{collector="test"} 1.0
        """,
            """
        nodescope_collector_source_available{collector="test"} 1.0
        """,
            """
        nodescope_build_info{javaversion="%s",revision="abc1234",version="1.2.3"} 1
        """
                .formatted(System.getProperty("java.version")))
        .doesNotContain("otel_scope", "target_info", "# EOF");
  }

  @Test
  void servesHistogramsWithCumulativeBucketsSumAndCount() throws Exception {
    fixture.publish(
        ExpositionFixture.run()
            .addHistogram(
                ExpositionFixture.LATENCY,
                new Histogram(List.of(0.1, 1.0), List.of(3L, 2L, 1L), 4.5),
                List.of("/a")),
        new CollectorHealth("test", 0.012, true, true, 0, 1));

    assertThat(text(fixture.get("/metrics")))
        .contains(
            """
        # TYPE test_latency_seconds histogram
        test_latency_seconds_bucket{path="/a",le="0.1"} 3
        test_latency_seconds_bucket{path="/a",le="1.0"} 5
        test_latency_seconds_bucket{path="/a",le="+Inf"} 6
        test_latency_seconds_count{path="/a"} 6
        test_latency_seconds_sum{path="/a"} 4.5
        """);
  }

  @Test
  void servesOpenMetricsWhenTheScraperAsks() throws Exception {
    publishTypicalRun();

    HttpResponse<byte[]> response =
        fixture.get(
            "/metrics",
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");

    assertThat(response.headers().firstValue("Content-Type")).hasValue(OPENMETRICS);
    assertThat(text(response))
        .endsWith("# EOF\n")
        .contains(
            """
        # TYPE test_receive_bytes counter
        # HELP test_receive_bytes Bytes received.
        test_receive_bytes_total{device="eth0"} 10.0
        """,
            """
        # TYPE test_pod info
        # HELP test_pod Pod metadata.
        test_pod_info{namespace="default",pod="web-0"} 1
        """,
            """
        # TYPE nodescope_build info
        """);
  }

  @Test
  void compressesWhenAskedAndTheBodyIsTheSame() throws Exception {
    publishTypicalRun();
    byte[] plain = fixture.get("/metrics").body();

    HttpResponse<byte[]> gzipped = fixture.get("/metrics", "Accept-Encoding", "gzip");

    assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(new String(plain, StandardCharsets.UTF_8));
    }
    assertThat(gzipped.body().length).isLessThan(plain.length);
  }

  @Test
  void aSeriesMissingFromTheNextRunDisappears() throws Exception {
    publishTypicalRun();
    assertThat(text(fixture.get("/metrics"))).contains("device=\"eth0\"", "test_pod_info");

    fixture.publish(
        ExpositionFixture.run().add(BYTES, 11, "eth1"),
        new CollectorHealth("test", 0.01, true, true, 3, 5));

    assertThat(text(fixture.get("/metrics")))
        .contains("test_receive_bytes_total{device=\"eth1\"} 11.0")
        .doesNotContain("device=\"eth0\"", "test_pod_info{", "test_load1 ");
  }

  @Test
  void aCollectorRepeatingASeriesNeitherSumsItNorBreaksTheScrape() throws Exception {
    fixture.publish(
        ExpositionFixture.run()
            .add(BYTES, 10, "eth0")
            .add(BYTES, 12, "eth0")
            .add(POD, 1, "default", "web-0")
            .add(POD, 1, "default", "web-0"),
        new CollectorHealth("test", 0.01, true, true, 2, 1));

    HttpResponse<byte[]> response = fixture.get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(text(response))
        .contains(
            "test_receive_bytes_total{device=\"eth0\"} 10.0\n",
            "test_pod_info{namespace=\"default\",pod=\"web-0\"} 1\n");
  }

  @Test
  void selfMetricsAppearOnlyOnceTheCollectorHasRun() throws Exception {
    assertThat(text(fixture.get("/metrics")))
        .doesNotContain("nodescope_collector_")
        .contains("nodescope_build_info");

    fixture.publish(ExpositionFixture.run(), new CollectorHealth("test", 0.5, false, true, 1, 1));

    assertThat(text(fixture.get("/metrics")))
        .contains(
            "nodescope_collector_success{collector=\"test\"} 0.0",
            "nodescope_collector_errors_total{collector=\"test\"} 1.0");
  }

  @Test
  void headAnswersWithoutABody() throws Exception {
    publishTypicalRun();
    for (String path : List.of("/metrics", "/healthz", "/readyz", "/")) {
      HttpResponse<byte[]> response =
          fixture.send(
              HttpRequest.newBuilder(fixture.uri(path))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()));

      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.body()).as(path).isEmpty();
    }
  }

  @Test
  void theServerIsToldToSendSmallResponsesWithoutWaitingForAcks() {
    // The effect (no 40 ms delayed-ACK stall per kept-alive scrape) is measured in bench/, not
    // timed here.
    assertThat(System.getProperty(AgentHttpServer.NODELAY_PROPERTY)).isEqualTo("true");
  }

  @Test
  void theServerIsGivenDeadlinesForSlowClientsUnlessTheOperatorChoseThem() {
    // Their effect is tested with shorter ones in SlowClientsTest, which runs in a fork of its own.
    Properties none = new Properties();
    AgentHttpServer.applyDefaultLimits(none);
    assertThat(none)
        .containsEntry(AgentHttpServer.MAX_REQUEST_TIME_PROPERTY, "10")
        .containsEntry(AgentHttpServer.MAX_RESPONSE_TIME_PROPERTY, "30")
        .containsEntry(AgentHttpServer.IDLE_CHECK_PROPERTY, "1000");

    Properties chosen = new Properties();
    chosen.setProperty(AgentHttpServer.MAX_RESPONSE_TIME_PROPERTY, "60");
    AgentHttpServer.applyDefaultLimits(chosen);
    assertThat(chosen)
        .containsEntry(AgentHttpServer.MAX_RESPONSE_TIME_PROPERTY, "60")
        .containsEntry(AgentHttpServer.MAX_REQUEST_TIME_PROPERTY, "10");
  }

  @Test
  void unknownPathsAreNotFound() throws Exception {
    for (String path :
        List.of("/nope", "/metrics/extra", "/metricsx", "/healthz/x", "/favicon.ico")) {
      assertThat(fixture.get(path).statusCode()).as(path).isEqualTo(404);
    }
    HttpResponse<byte[]> landing = fixture.get("/");
    assertThat(landing.statusCode()).isEqualTo(200);
    assertThat(text(landing)).contains("<a href=\"/metrics\">");
  }

  @Test
  void readinessFlipsAfterTheFirstCollectionWhileHealthIsAlwaysOk() throws Exception {
    assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> before = fixture.get("/readyz");
    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(text(before)).isEqualTo("initial collection in progress\n");

    fixture.registry.report(new CollectorHealth("test", 0.1, false, true, 1, 1));

    HttpResponse<byte[]> after = fixture.get("/readyz");
    assertThat(after.statusCode())
        .as("a failed first run still ends the initial collection")
        .isEqualTo(200);
    assertThat(text(after)).isEqualTo("ready\n");
  }

  @Test
  void concurrentScrapesAllGetTheWholeExposition() throws Exception {
    publishTypicalRun();
    String expected = text(fixture.get("/metrics"));
    String expectedOpenMetrics = text(fixture.get("/metrics", "Accept", OPENMETRICS));
    ExecutorService scrapers = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Boolean>> scrapes = new ArrayList<>();
      for (int i = 0; i < 320; i++) {
        boolean openMetrics = i % 2 == 0;
        scrapes.add(
            () -> {
              HttpResponse<byte[]> response =
                  openMetrics
                      ? fixture.get("/metrics", "Accept", OPENMETRICS)
                      : fixture.get("/metrics");
              return response.statusCode() == 200
                  && text(response).equals(openMetrics ? expectedOpenMetrics : expected);
            });
      }
      for (Future<Boolean> scrape : scrapers.invokeAll(scrapes)) {
        assertThat(scrape.get()).isTrue();
      }
    } finally {
      scrapers.shutdownNow();
    }
  }

  @Test
  void scrapesReadTheLatestSnapshotWithoutRunningCollectors() throws Exception {
    MetricDescriptor runs = MetricDescriptor.gauge("counting_runs", "Runs so far.");
    AtomicInteger collections = new AtomicInteger();
    SnapshotRegistry registry = new SnapshotRegistry();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (CollectorRunner runner =
            new CollectorRunner(
                FakeCollectors.factory(
                    "counting",
                    List.of(runs),
                    context -> out -> out.add(runs, collections.incrementAndGet())),
                FakeCollectors.context(new RootPaths(Path.of("/p"), Path.of("/s"), Path.of("/"))),
                Duration.ofHours(1),
                Duration.ofHours(1),
                registry);
        OtelExposition exposition =
            new OtelExposition(
                registry, Map.of("counting", List.of(runs)), ExpositionFixture.BUILD, 1000);
        AgentHttpServer server =
            new AgentHttpServer(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                "/metrics",
                exposition.bodies(),
                registry::initialCollectionDone,
                40)) {
      runner.start(scheduler);
      Eventually.await("the first run", registry::initialCollectionDone);
      java.net.URI uri =
          java.net.URI.create("http://127.0.0.1:" + server.address().getPort() + "/metrics");

      for (int i = 0; i < 50; i++) {
        HttpResponse<String> response =
            fixture.client.send(
                HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).contains("counting_runs 1.0\n");
      }
      assertThat(collections).hasValue(1);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aMetricNameClaimedByTwoCollectorsIsRefusedAtStartUp() {
    assertThatThrownBy(
            () ->
                new OtelExposition(
                        new SnapshotRegistry(),
                        Map.of("a", List.of(LOAD), "b", List.of(LOAD)),
                        ExpositionFixture.BUILD,
                        10)
                    .close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test_load1 is declared by both");
  }
}
