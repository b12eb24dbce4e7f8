package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scrape mode end to end: an exporter on loopback, a static target and an annotated pod, to the
 * fake CloudWatch.
 */
class ScrapeModeTest {
  @RegisterExtension final FakeCloudWatch aws = new FakeCloudWatch();
  private final HttpServer exporter;
  private final AtomicInteger requests = new AtomicInteger();
  private final SnapshotRegistry registry = new SnapshotRegistry();
  private CloudWatchBridge bridge;

  ScrapeModeTest() throws IOException {
    exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    exporter.createContext(
        "/custom",
        exchange -> {
          int count = requests.incrementAndGet();
          byte[] body =
              ("# HELP app_requests Requests.\n# TYPE app_requests counter\n"
                      + "app_requests_total{code=\"200\"} "
                      + (10 * count)
                      + "\n"
                      + "app_requests_total{code=\"500\"} 1\n"
                      + "# TYPE app_temperature gauge\napp_temperature{Type=\"inlet\"} 21.5\n"
                      + "this line is not a sample\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    exporter.createContext(
        "/latency",
        exchange -> {
          int reading = Math.min(latencyRequests.getAndIncrement(), API_LATENCY.length - 1);
          byte[] body =
              ("# HELP http_request_duration_seconds Request latency.\n"
                      + "# TYPE http_request_duration_seconds histogram\n"
                      + histogram("/api", API_LATENCY[reading])
                      + histogram("/health", new double[] {0, 0, 0, 1}))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    exporter.start();
  }

  /**
   * Cumulative bucket counts (le 0.1, 0.5, 1, +Inf) of /api at each scrape: a first reading, no new
   * request, more requests, then a restart after which the le=1 and +Inf buckets read higher than
   * before it.
   */
  private static final double[][] API_LATENCY = {
    {2, 5, 6, 8}, {2, 5, 6, 8}, {4, 9, 10, 13}, {1, 1, 11, 14}
  };

  private static final String[] BOUNDS = {"0.1", "0.5", "1", "+Inf"};
  private final AtomicInteger latencyRequests = new AtomicInteger();

  private static String histogram(String handler, double[] cumulative) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < BOUNDS.length; i++) {
      text.append("http_request_duration_seconds_bucket{handler=\"")
          .append(handler)
          .append("\",le=\"")
          .append(BOUNDS[i])
          .append("\"} ")
          .append(cumulative[i])
          .append('\n');
    }
    double count = cumulative[BOUNDS.length - 1];
    return text.append("http_request_duration_seconds_sum{handler=\"")
        .append(handler)
        .append("\"} ")
        .append(count * 0.3)
        .append("\nhttp_request_duration_seconds_count{handler=\"")
        .append(handler)
        .append("\"} ")
        .append(count)
        .append('\n')
        .toString();
  }

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    exporter.stop(0);
  }

  @Test
  void staticTargetsAndAnnotatedPodsArePushedAsScrapedEventsAndDeclaredMetrics() throws Exception {
    int port = exporter.getAddress().getPort();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    URI staticTarget = URI.create("http://127.0.0.1:" + port + "/custom");
    URI downTarget = URI.create("http://127.0.0.1:" + closedPort + "/metrics");
    PodInfo annotated =
        new PodInfo(
            "shop",
            "api-0",
            "uid-api",
            List.of("127.0.0.1"),
            "StatefulSet",
            "api",
            false,
            "node-1",
            List.of(),
            Map.of(
                "prometheus.io/scrape",
                "true",
                "prometheus.io/port",
                Integer.toString(port),
                "prometheus.io/path",
                "/custom"));
    PodInfo notAnnotated =
        new PodInfo(
            "shop",
            "db-0",
            "uid-db",
            List.of("127.0.0.1"),
            "StatefulSet",
            "db",
            false,
            "node-1",
            List.of(),
            Map.of("prometheus.io/port", Integer.toString(port)));
    PodDirectory pods = () -> List.of(annotated, notAnnotated);
    bridge(
        List.of(
            new Declarations.Declaration(
                "app_requests_total",
                "app_requests",
                "Count",
                List.of(List.of("ClusterName", "code")))),
        List.of(staticTarget, downTarget),
        pods);

    bridge.interval();
    bridge.interval();

    assertThat(requests.get()).isEqualTo(4);
    List<Map<String, Object>> scraped =
        aws.events().stream().filter(e -> "Scraped".equals(e.get("Type"))).toList();
    assertThat(scraped)
        .allSatisfy(
            e -> assertThat(e).doesNotContainKey("_aws").containsEntry("ClusterName", "c1"));
    Map<String, Object> fromPod =
        scraped.stream()
            .filter(e -> "api-0".equals(e.get("PodName")))
            .filter(e -> "200".equals(e.get("code")))
            .findFirst()
            .orElseThrow();
    assertThat(fromPod)
        .containsEntry("Namespace", "shop")
        .containsEntry("app_requests_total", 20)
        .containsEntry("Target", "http://127.0.0.1:" + port + "/custom");
    // A label named like a reserved field keeps its value under another name.
    assertThat(scraped)
        .anySatisfy(
            e ->
                assertThat(e)
                    .containsEntry("Type", "Scraped")
                    .containsEntry("label_Type", "inlet")
                    .containsEntry("app_temperature", 21.5));

    // Two targets (static and pod) serve the same exporter: each counter's first interval whole,
    // then deltas.
    Map<Object, Double> byCode =
        aws.datums().stream()
            .filter(d -> "app_requests".equals(d.get("MetricName")))
            .collect(
                Collectors.groupingBy(
                    ScrapeModeTest::code,
                    Collectors.summingDouble(d -> ((Number) d.get("Value")).doubleValue())));
    // Requests alternate: the static target reads 10 then 30, the pod 20 then 40; 30 + 40 counted
    // in all.
    assertThat(byCode).containsEntry("200", 70.0).containsEntry("500", 2.0);

    Map<String, Double> success = scrapeSuccess(registry);
    assertThat(success)
        .containsEntry(staticTarget.toString(), 1.0)
        .containsEntry(downTarget.toString(), 0.0)
        .containsEntry("http://127.0.0.1:" + port + "/custom", 1.0)
        .hasSize(2);
  }

  /**
   * A declared histogram goes out as the interval's observations in Values/Counts, each bucket as
   * its upper bound and the +Inf bucket as the largest finite one (1). Worked out by hand from
   * {@link #API_LATENCY}: per bucket (0.1, 0.5, 1, +Inf) the first reading sends 2, 3, 1, 2; the
   * second nothing; the third 2, 2, 0, 1; the reset the fourth reading whole, 1, 0, 10, 3 (counting
   * only the buckets that grew would give 1 in le=0.1 alone). /health has one observation above 1
   * s, counted in its first interval and in the [ClusterName] group.
   */
  @Test
  void declaredHistogramsGoOutAsValuesAndCountsOfEachIntervalsObservations() throws Exception {
    URI target = URI.create("http://127.0.0.1:" + exporter.getAddress().getPort() + "/latency");
    bridge(
        List.of(
            new Declarations.Declaration(
                "http_request_duration_seconds",
                "latency",
                "Seconds",
                List.of(List.of("ClusterName", "handler"), List.of("ClusterName")))),
        List.of(target),
        PodDirectory.EMPTY);

    for (int interval = 0; interval < API_LATENCY.length; interval++) {
      bridge.interval();
    }

    assertThat(distributions(Map.of("ClusterName", "c1", "handler", "/api")))
        .containsExactly(
            List.of(List.of(0.1, 0.5, 1.0), List.of(2.0, 3.0, 3.0)),
            List.of(List.of(0.1, 0.5, 1.0), List.of(2.0, 2.0, 1.0)),
            List.of(List.of(0.1, 1.0), List.of(1.0, 13.0)));
    assertThat(distributions(Map.of("ClusterName", "c1", "handler", "/health")))
        .containsExactly(List.of(List.of(1.0), List.of(1.0)));
    assertThat(distributions(Map.of("ClusterName", "c1")))
        .containsExactly(
            List.of(List.of(0.1, 0.5, 1.0), List.of(2.0, 3.0, 4.0)),
            List.of(List.of(0.1, 0.5, 1.0), List.of(2.0, 2.0, 1.0)),
            List.of(List.of(0.1, 1.0), List.of(1.0, 13.0)));
    assertThat(aws.datums())
        .allSatisfy(
            d ->
                assertThat(d)
                    .containsEntry("Unit", "Seconds")
                    .doesNotContainKeys("Value", "StatisticValues"));
    // The log keeps the exposition as it is: one Scraped event per bucket, cumulative, with its le.
    assertThat(aws.events())
        .anySatisfy(
            e ->
                assertThat(e)
                    .containsEntry("Type", "Scraped")
                    .containsEntry("handler", "/api")
                    .containsEntry("le", "+Inf")
                    .containsEntry("http_request_duration_seconds_bucket", 8));
  }

  /** Values and Counts of each "latency" datum with exactly these dimensions, in the order sent. */
  private List<List<List<Double>>> distributions(Map<String, String> dimensions) {
    return aws.datums("latency", dimensions).stream()
        .map(d -> List.of(doubles(d.get("Values")), doubles(d.get("Counts"))))
        .toList();
  }

  private static List<Double> doubles(Object numbers) {
    return ((List<?>) numbers).stream().map(n -> ((Number) n).doubleValue()).toList();
  }

  /**
   * A bridge in the China partition that scrapes the targets and, when the directory has any,
   * annotated pods.
   */
  private void bridge(
      List<Declarations.Declaration> declarations, List<URI> targets, PodDirectory pods) {
    bridge =
        new CloudWatchBridge(
            new CloudWatchSettings(
                "cn-north-1",
                "c1",
                Duration.ofSeconds(60),
                Optional.of(aws.endpoint()),
                FakeCloudWatch.LOG_GROUP,
                "Nodescope",
                declarations,
                targets,
                true,
                1000,
                Duration.ofMinutes(10)),
            registry,
            pods,
            "node-1",
            Map.of(),
            Clock.systemUTC(),
            duration -> {});
  }

  @SuppressWarnings("unchecked")
  private static Object code(Map<String, Object> datum) {
    return ((List<Map<String, Object>>) datum.get("Dimensions"))
        .stream().filter(d -> "code".equals(d.get("Name"))).findFirst().orElseThrow().get("Value");
  }

  private static Map<String, Double> scrapeSuccess(SnapshotRegistry registry) {
    MetricFamily family =
        registry
            .latest(BridgeMetrics.COLLECTOR)
            .families()
            .get("nodescope_cloudwatch_scrape_success");
    return family.samples().stream()
        .collect(Collectors.toMap(s -> s.labelValues().get(0), Sample::value));
  }

  @Test
  void annotationsGiveTheScrapeUrl() {
    PodInfo pod =
        new PodInfo(
            "ns",
            "p",
            "u",
            List.of("2001:db8::5"),
            "Pod",
            "p",
            false,
            "n",
            List.of(),
            Map.of(
                "prometheus.io/scrape",
                "true",
                "prometheus.io/port",
                "9400",
                "prometheus.io/path",
                "stats",
                "prometheus.io/scheme",
                "https"));
    assertThat(Scraper.annotatedUrl(pod)).isEqualTo(URI.create("https://[2001:db8::5]:9400/stats"));
    assertThat(
            Scraper.annotatedUrl(
                new PodInfo(
                    "ns",
                    "p",
                    "u",
                    List.of("192.0.2.1"),
                    "Pod",
                    "p",
                    false,
                    "n",
                    List.of(),
                    Map.of("prometheus.io/scrape", "false", "prometheus.io/port", "1"))))
        .isNull();
    assertThat(
            Scraper.annotatedUrl(
                new PodInfo(
                    "ns",
                    "p",
                    "u",
                    List.of("192.0.2.1"),
                    "Pod",
                    "p",
                    false,
                    "n",
                    List.of(),
                    Map.of("prometheus.io/scrape", "true"))))
        .as("no port")
        .isNull();
  }
}
