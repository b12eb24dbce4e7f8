package dev.nodescope.agent.cloudwatch;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrape mode: reads other Prometheus/OpenMetrics endpoints (the static --cloudwatch.scrape-targets
 * and, when asked, this node's pods annotated {@code prometheus.io/scrape: "true"}) so the same
 * bridge carries dcgm-exporter's or an application's metrics. Each series becomes a point the
 * declarations can pick, and each label set one log-only event of Type "Scraped" with its samples
 * as fields. A target that fails counts in {@code nodescope_cloudwatch_scrape_success} and is
 * logged once until it recovers; the others carry on.
 */
final class Scraper {
  private static final Logger LOG = LoggerFactory.getLogger(Scraper.class);
  private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
  private static final Set<String> RESERVED_FIELDS =
      Set.of("_aws", "Type", "Timestamp", "Version", "ClusterName", "NodeName", "Target");

  /** A target and, for a pod, whose it is. */
  record Target(URI url, PodInfo pod) {}

  private final List<URI> staticTargets;
  private final boolean scrapePods;
  private final PodDirectory pods;
  private final HttpClient client;
  private final Duration timeout;
  private final Set<String> failing = ConcurrentHashMap.newKeySet();

  Scraper(List<URI> staticTargets, boolean scrapePods, PodDirectory pods, Duration timeout) {
    this.staticTargets = List.copyOf(staticTargets);
    this.scrapePods = scrapePods;
    this.pods = pods;
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  boolean active() {
    return !staticTargets.isEmpty() || scrapePods;
  }

  List<Target> targets() {
    List<Target> targets = new ArrayList<>();
    staticTargets.forEach(url -> targets.add(new Target(url, null)));
    if (scrapePods) {
      for (PodInfo pod : pods.pods()) {
        URI url = annotatedUrl(pod);
        if (url != null) {
          targets.add(new Target(url, pod));
        }
      }
    }
    return targets;
  }

  /**
   * The pod's scrape URL from its annotations, or null when it asks not to be scraped or names no
   * port.
   */
  static URI annotatedUrl(PodInfo pod) {
    Map<String, String> annotations = pod.prometheusAnnotations();
    if (!"true".equals(annotations.get("prometheus.io/scrape")) || pod.ips().isEmpty()) {
      return null;
    }
    String port = annotations.get("prometheus.io/port");
    if (port == null || !port.matches("\\d{1,5}")) {
      return null;
    }
    String scheme = "https".equals(annotations.get("prometheus.io/scheme")) ? "https" : "http";
    String path = annotations.getOrDefault("prometheus.io/path", "/metrics");
    String ip = pod.ips().get(0);
    String host = ip.contains(":") ? "[" + ip + "]" : ip;
    try {
      return URI.create(
          scheme + "://" + host + ":" + port + (path.startsWith("/") ? path : "/" + path));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * What one interval's scrapes gave: points and histograms for the declarations, events for the
   * log.
   */
  record Scrape(
      List<Point> points, List<ScrapedHistogram> histograms, List<PerformanceEvent> events) {}

  Scrape scrape(Map<String, Object> nodeFields, BridgeMetrics metrics) {
    List<Point> points = new ArrayList<>();
    List<ScrapedHistogram> histograms = new ArrayList<>();
    List<PerformanceEvent> events = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Target target : targets()) {
      String name = target.url().toString();
      seen.add(name);
      String body;
      try {
        body = fetch(target.url());
      } catch (IOException e) {
        metrics.scrape(name, false);
        if (failing.add(name)) {
          LOG.warn("cloudwatch: scrape of {} failed: {}", name, e.getMessage());
        }
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Scrape(points, histograms, events);
      }
      if (failing.remove(name)) {
        LOG.info("cloudwatch: scrape of {} works again", name);
      }
      metrics.scrape(name, true);
      TextFormatParser.Result result = TextFormatParser.parse(body);
      if (result.malformedLines() > 0) {
        LOG.debug("cloudwatch: {} malformed lines skipped in {}", result.malformedLines(), name);
      }
      Map<String, String> identity = new LinkedHashMap<>();
      identity.put("Target", name);
      if (target.pod() != null) {
        identity.put("Namespace", target.pod().namespace());
        identity.put("PodName", target.pod().name());
      }
      Map<Map<String, String>, List<PerformanceEvent.Metric>> byLabels = new LinkedHashMap<>();
      for (ScrapedSample sample : result.samples()) {
        points.add(
            new Point(
                sample.name(),
                withTarget(sample.labels(), identity, nodeFields),
                sample.value(),
                isCumulative(sample)));
        byLabels
            .computeIfAbsent(sample.labels(), l -> new ArrayList<>())
            .add(new PerformanceEvent.Metric(sample.name(), sample.value(), "None"));
      }
      byLabels.forEach(
          (labels, samples) -> {
            Map<String, Object> fields = new LinkedHashMap<>(nodeFields);
            fields.putAll(identity);
            labels.forEach(
                (label, value) ->
                    fields.put(RESERVED_FIELDS.contains(label) ? "label_" + label : label, value));
            events.add(new PerformanceEvent("Scraped", fields, samples, List.of()));
          });
      for (ScrapedHistogram histogram : ScrapedHistogram.assemble(result.samples())) {
        histograms.add(
            new ScrapedHistogram(
                histogram.name(),
                withTarget(histogram.labels(), identity, nodeFields),
                histogram.buckets()));
      }
    }
    metrics.forgetScrapeTargetsExcept(seen);
    return new Scrape(points, histograms, events);
  }

  /**
   * A scraped series' labels with the target's identity and the node's fields, where it has no such
   * label.
   */
  private static Map<String, String> withTarget(
      Map<String, String> series, Map<String, String> identity, Map<String, Object> nodeFields) {
    Map<String, String> labels = new LinkedHashMap<>(series);
    identity.forEach(labels::putIfAbsent);
    nodeFields.forEach((field, value) -> labels.putIfAbsent(field, value.toString()));
    return labels;
  }

  /** Counters, and the _count/_sum/_bucket series of histograms and summaries, only ever grow. */
  private static boolean isCumulative(ScrapedSample sample) {
    return switch (sample.type()) {
      case "counter" -> true;
      case "histogram", "summary" ->
          sample.name().endsWith("_count")
              || sample.name().endsWith("_sum")
              || sample.name().endsWith("_bucket");
      default -> false;
    };
  }

  private String fetch(URI url) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header(
                "Accept",
                "text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4")
            .GET()
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode());
    }
    if (response.body().length > MAX_BODY_BYTES) {
      throw new IOException("body over " + MAX_BODY_BYTES + " bytes");
    }
    return new String(response.body(), StandardCharsets.UTF_8);
  }
}
