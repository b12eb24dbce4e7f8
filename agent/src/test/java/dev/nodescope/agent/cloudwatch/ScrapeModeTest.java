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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scrape mode end to end: an exporter on loopback, a static target and an annotated pod, to the fake CloudWatch. */
class ScrapeModeTest {
  private final FakeCloudWatch aws = new FakeCloudWatch();
  private final HttpServer exporter;
  private final AtomicInteger requests = new AtomicInteger();
  private CloudWatchBridge bridge;

  ScrapeModeTest() throws IOException {
    exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    exporter.createContext("/custom", exchange -> {
      int count = requests.incrementAndGet();
      byte[] body = ("# HELP app_requests Requests.\n# TYPE app_requests counter\n"
          + "app_requests_total{code=\"200\"} " + (10 * count) + "\n"
          + "app_requests_total{code=\"500\"} 1\n"
          + "# TYPE app_temperature gauge\napp_temperature{Type=\"inlet\"} 21.5\n"
          + "this line is not a sample\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    exporter.start();
  }

  @BeforeAll
  static void staticCredentials() {
    System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  }

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    exporter.stop(0);
    aws.close();
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
    PodInfo annotated = new PodInfo("shop", "api-0", "uid-api", List.of("127.0.0.1"), "StatefulSet", "api", false,
        "node-1", List.of(), Map.of("prometheus.io/scrape", "true", "prometheus.io/port", Integer.toString(port),
            "prometheus.io/path", "/custom"));
    PodInfo notAnnotated = new PodInfo("shop", "db-0", "uid-db", List.of("127.0.0.1"), "StatefulSet", "db", false,
        "node-1", List.of(), Map.of("prometheus.io/port", Integer.toString(port)));
    PodDirectory pods = new PodDirectory() {
      @Override
      public Collection<PodInfo> pods() {
        return List.of(annotated, notAnnotated);
      }
    };
    SnapshotRegistry registry = new SnapshotRegistry();
    List<Declarations.Declaration> declarations = List.of(new Declarations.Declaration("app_requests_total",
        "app_requests", "Count", List.of(List.of("ClusterName", "code"))));
    bridge = new CloudWatchBridge(new CloudWatchSettings("cn-north-1", "c1", Duration.ofSeconds(60),
        Optional.of(aws.endpoint()), "/aws/containerinsights/c1/performance", "Nodescope", declarations,
        List.of(staticTarget, downTarget), true, 1000, Duration.ofMinutes(10)), registry, pods, "node-1", Map.of(),
        Clock.systemUTC(), duration -> {});

    bridge.interval();
    bridge.interval();

    assertThat(requests.get()).isEqualTo(4);
    List<Map<String, Object>> scraped = aws.events().stream().filter(e -> "Scraped".equals(e.get("Type"))).toList();
    assertThat(scraped).allSatisfy(e -> assertThat(e).doesNotContainKey("_aws").containsEntry("ClusterName", "c1"));
    Map<String, Object> fromPod = scraped.stream().filter(e -> "api-0".equals(e.get("PodName")))
        .filter(e -> "200".equals(e.get("code"))).findFirst().orElseThrow();
    assertThat(fromPod).containsEntry("Namespace", "shop").containsEntry("app_requests_total", 20)
        .containsEntry("Target", "http://127.0.0.1:" + port + "/custom");
    // A label named like a reserved field keeps its value under another name.
    assertThat(scraped).anySatisfy(e -> assertThat(e).containsEntry("Type", "Scraped")
        .containsEntry("label_Type", "inlet").containsEntry("app_temperature", 21.5));

    // Two targets (static and pod) serve the same exporter: each counter's first interval whole, then deltas.
    Map<Object, Double> byCode = aws.datums().stream().filter(d -> "app_requests".equals(d.get("MetricName")))
        .collect(Collectors.groupingBy(ScrapeModeTest::code,
            Collectors.summingDouble(d -> ((Number) d.get("Value")).doubleValue())));
    // Requests alternate: the static target reads 10 then 30, the pod 20 then 40; 30 + 40 counted in all.
    assertThat(byCode).containsEntry("200", 70.0).containsEntry("500", 2.0);

    Map<String, Double> success = scrapeSuccess(registry);
    assertThat(success).containsEntry(staticTarget.toString(), 1.0).containsEntry(downTarget.toString(), 0.0)
        .containsEntry("http://127.0.0.1:" + port + "/custom", 1.0).hasSize(2);
  }

  @SuppressWarnings("unchecked")
  private static Object code(Map<String, Object> datum) {
    return ((List<Map<String, Object>>) datum.get("Dimensions")).stream().filter(d -> "code".equals(d.get("Name")))
        .findFirst().orElseThrow().get("Value");
  }

  private static Map<String, Double> scrapeSuccess(SnapshotRegistry registry) {
    MetricFamily family = registry.latest(BridgeMetrics.COLLECTOR).families()
        .get("nodescope_cloudwatch_scrape_success");
    return family.samples().stream().collect(Collectors.toMap(s -> s.labelValues().get(0), Sample::value));
  }

  @Test
  void annotationsGiveTheScrapeUrl() {
    PodInfo pod = new PodInfo("ns", "p", "u", List.of("2001:db8::5"), "Pod", "p", false, "n", List.of(),
        Map.of("prometheus.io/scrape", "true", "prometheus.io/port", "9400", "prometheus.io/path", "stats",
            "prometheus.io/scheme", "https"));
    assertThat(Scraper.annotatedUrl(pod)).isEqualTo(URI.create("https://[2001:db8::5]:9400/stats"));
    assertThat(Scraper.annotatedUrl(new PodInfo("ns", "p", "u", List.of("192.0.2.1"), "Pod", "p", false, "n",
        List.of(), Map.of("prometheus.io/scrape", "false", "prometheus.io/port", "1")))).isNull();
    assertThat(Scraper.annotatedUrl(new PodInfo("ns", "p", "u", List.of("192.0.2.1"), "Pod", "p", false, "n",
        List.of(), Map.of("prometheus.io/scrape", "true")))).as("no port").isNull();
  }
}
