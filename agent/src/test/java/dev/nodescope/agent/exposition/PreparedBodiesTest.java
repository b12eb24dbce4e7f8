package dev.nodescope.agent.exposition;

import static dev.nodescope.agent.exposition.ExpositionFixture.BYTES;
import static dev.nodescope.agent.exposition.ExpositionFixture.LOAD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.CollectorHealth;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PreparedBodiesTest {
  private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0";

  private ExpositionFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ExpositionFixture();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private void publishLoad(double load) {
    fixture.publish(
        ExpositionFixture.run().add(BYTES, 10, "eth0").add(LOAD, load),
        new CollectorHealth("test", 0.012, true, true, 0, 1));
  }

  private long renders() {
    return fixture.exposition.bodies().renders();
  }

  private static String text(HttpResponse<byte[]> response) throws IOException {
    boolean gzip = response.headers().firstValue("Content-Encoding").orElse("").equals("gzip");
    byte[] body =
        gzip
            ? new GZIPInputStream(new ByteArrayInputStream(response.body())).readAllBytes()
            : response.body();
    return new String(body, StandardCharsets.UTF_8);
  }

  @Test
  void aPublishShowsInTheNextScrape() throws Exception {
    publishLoad(0.25);
    assertThat(text(fixture.get("/metrics"))).contains("test_load1 0.25\n");

    publishLoad(0.75);

    assertThat(text(fixture.get("/metrics"))).contains("test_load1 0.75\n").doesNotContain("0.25");
  }

  @Test
  void aHealthReportWithoutAPublishShowsInTheNextScrape() throws Exception {
    publishLoad(0.25);
    assertThat(text(fixture.get("/metrics")))
        .contains("nodescope_collector_errors_total{collector=\"test\"} 0.0");

    fixture.registry.report(new CollectorHealth("test", 0.5, false, true, 1, 2));

    assertThat(text(fixture.get("/metrics")))
        .contains("nodescope_collector_errors_total{collector=\"test\"} 1.0")
        .contains("nodescope_collector_success{collector=\"test\"} 0.0");
  }

  @Test
  void eachFormatAndEncodingIsRenderedOncePerPublish() throws Exception {
    publishLoad(0.25);
    long before = renders();
    List<String[]> combinations =
        List.of(
            new String[] {},
            new String[] {"Accept-Encoding", "gzip"},
            new String[] {"Accept", OPENMETRICS},
            new String[] {"Accept", OPENMETRICS, "Accept-Encoding", "gzip"});
    for (int round = 0; round < 3; round++) {
      for (String[] headers : combinations) {
        assertThat(fixture.get("/metrics", headers).statusCode()).isEqualTo(200);
      }
    }
    // Two formats, each rendered once and compressed once.
    assertThat(renders() - before).isEqualTo(4);

    publishLoad(0.5);
    for (int round = 0; round < 3; round++) {
      assertThat(fixture.get("/metrics").statusCode()).isEqualTo(200);
    }
    assertThat(renders() - before).isEqualTo(5);
  }

  @Test
  void theCompressedBodyIsTheSameTextForEachFormat() throws Exception {
    publishLoad(0.25);
    for (String accept : List.of("text/plain", OPENMETRICS)) {
      HttpResponse<byte[]> plain = fixture.get("/metrics", "Accept", accept);
      HttpResponse<byte[]> gzip =
          fixture.get("/metrics", "Accept", accept, "Accept-Encoding", "deflate, gzip;q=0.9");
      assertThat(gzip.headers().firstValue("Content-Encoding")).hasValue("gzip");
      assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
      assertThat(text(gzip)).isEqualTo(text(plain));
      assertThat(gzip.headers().firstValue("Content-Type"))
          .isEqualTo(plain.headers().firstValue("Content-Type"));
    }
  }

  @Test
  void concurrentScrapesGetIdenticalBodiesFromOneRender() throws Exception {
    publishLoad(0.25);
    long before = renders();
    int scrapers = 10;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(scrapers);
    try {
      List<Callable<HttpResponse<byte[]>>> scrapes = new ArrayList<>();
      for (int i = 0; i < scrapers; i++) {
        scrapes.add(
            () -> {
              start.await();
              return fixture.get("/metrics");
            });
      }
      List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
      for (Callable<HttpResponse<byte[]>> scrape : scrapes) {
        futures.add(pool.submit(scrape));
      }
      start.countDown();
      byte[] first = futures.get(0).get().body();
      assertThat(first).isNotEmpty();
      for (Future<HttpResponse<byte[]>> future : futures) {
        assertThat(future.get().body()).isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(renders() - before).isEqualTo(1);
  }

  @Test
  void aRefusedScrapeShowsInTheNextBodyWithoutAPublish() throws Exception {
    publishLoad(0.25);
    assertThat(text(fixture.get("/metrics")))
        .contains("nodescope_http_requests_rejected_total{reason=\"max_requests\"} 0.0");

    fixture.server.metrics().rejected(HttpServerMetrics.MAX_REQUESTS);

    assertThat(text(fixture.get("/metrics")))
        .contains("nodescope_http_requests_rejected_total{reason=\"max_requests\"} 1.0");
  }

  @Test
  void requestsWithAQueryAreRenderedForThemAlone() throws Exception {
    publishLoad(0.25);
    long before = renders();

    String filtered = text(fixture.get("/metrics?name[]=test_load1"));

    assertThat(filtered).contains("test_load1 0.25").doesNotContain("test_receive_bytes_total");
    assertThat(renders()).isEqualTo(before);
  }
}
