package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.ThrottledCount;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's self-metrics, published into the registry as the snapshot of collector "cloudwatch"
 * so they are served on /metrics like any other. Values are metric data points for put_metric_data
 * and log events for put_log_events. Drops are also logged: the first of each API and reason at
 * once, then at most once a minute with the count since.
 */
public final class BridgeMetrics {
  public static final String COLLECTOR = "cloudwatch";
  public static final String PUT_METRIC_DATA = "put_metric_data";
  public static final String PUT_LOG_EVENTS = "put_log_events";

  public static final MetricDescriptor SENT =
      MetricDescriptor.counter(
          "nodescope_cloudwatch_values_sent_total",
          "Values CloudWatch accepted: data points (put_metric_data) or log events (put_log_events).",
          "api");
  public static final MetricDescriptor RETRIED =
      MetricDescriptor.counter(
          "nodescope_cloudwatch_values_retried_total",
          "Values sent again after throttling, a 5xx or a network error.",
          "api");
  public static final MetricDescriptor DROPPED =
      MetricDescriptor.counter(
          "nodescope_cloudwatch_values_dropped_total",
          "Values given up: buffer_full (oldest first), expired (past --cloudwatch.retry-deadline), rejected "
              + "(refused by CloudWatch), invalid (NaN/Inf, over 30 dimensions, event over 1 MB).",
          "api",
          "reason");
  public static final MetricDescriptor REQUESTS =
      MetricDescriptor.counter(
          "nodescope_cloudwatch_requests_total",
          "API calls by outcome: success, throttled, server_error, network_error, missing_resource, rejected.",
          "api",
          "outcome");
  public static final MetricDescriptor BUFFERED =
      MetricDescriptor.gauge(
          "nodescope_cloudwatch_buffered_values", "Values waiting for delivery.", "api");
  public static final MetricDescriptor SCRAPE_SUCCESS =
      MetricDescriptor.gauge(
          "nodescope_cloudwatch_scrape_success",
          "1 if the latest scrape of the target (a --cloudwatch.scrape-targets URL or an annotated pod) succeeded.",
          "target");

  public static final List<MetricDescriptor> ALL =
      List.of(SENT, RETRIED, DROPPED, REQUESTS, BUFFERED, SCRAPE_SUCCESS);

  private static final Logger LOG = LoggerFactory.getLogger(BridgeMetrics.class);
  private static final Duration DROP_LOG_INTERVAL = Duration.ofMinutes(1);

  private final Map<List<String>, AtomicLong> sent = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicLong> retried = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicLong> dropped = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicLong> requests = new ConcurrentHashMap<>();
  private final Map<List<String>, Long> buffered = new ConcurrentHashMap<>();
  private final Map<List<String>, Double> scrapeSuccess = new ConcurrentHashMap<>();
  private final Map<List<String>, ThrottledCount> dropLogs = new ConcurrentHashMap<>();
  private final Clock clock;

  public BridgeMetrics(Clock clock) {
    this.clock = clock;
    for (String api : List.of(PUT_METRIC_DATA, PUT_LOG_EVENTS)) {
      sent.put(List.of(api), new AtomicLong());
      retried.put(List.of(api), new AtomicLong());
      buffered.put(List.of(api), 0L);
    }
  }

  void sent(String api, long values) {
    add(sent, List.of(api), values);
  }

  void retried(String api, long values) {
    add(retried, List.of(api), values);
  }

  void request(String api, String outcome) {
    add(requests, List.of(api, outcome), 1);
  }

  void buffered(String api, long values) {
    buffered.put(List.of(api), values);
  }

  void scrape(String target, boolean success) {
    scrapeSuccess.put(List.of(target), success ? 1.0 : 0.0);
  }

  void forgetScrapeTargetsExcept(Set<String> targets) {
    scrapeSuccess.keySet().removeIf(key -> !targets.contains(key.get(0)));
  }

  void dropped(String api, String reason, long values, String detail) {
    if (values <= 0) {
      return;
    }
    add(dropped, List.of(api, reason), values);
    long toLog =
        dropLogs
            .computeIfAbsent(
                List.of(api, reason), k -> new ThrottledCount(clock, DROP_LOG_INTERVAL))
            .add(values);
    if (toLog > 0) {
      LOG.warn("cloudwatch: dropped {} {} values ({}): {}", toLog, api, reason, detail);
    }
  }

  long value(MetricDescriptor counter, String... labels) {
    Map<List<String>, AtomicLong> map =
        counter.equals(SENT)
            ? sent
            : counter.equals(RETRIED) ? retried : counter.equals(DROPPED) ? dropped : requests;
    AtomicLong value = map.get(List.of(labels));
    return value == null ? 0 : value.get();
  }

  private static void add(
      Map<List<String>, AtomicLong> counters, List<String> labels, long values) {
    counters.computeIfAbsent(labels, k -> new AtomicLong()).addAndGet(values);
  }

  void publish(SnapshotRegistry registry) {
    SnapshotBuilder builder = new SnapshotBuilder(COLLECTOR, ALL);
    sent.forEach((labels, value) -> builder.add(SENT, value.get(), labels));
    retried.forEach((labels, value) -> builder.add(RETRIED, value.get(), labels));
    dropped.forEach((labels, value) -> builder.add(DROPPED, value.get(), labels));
    requests.forEach((labels, value) -> builder.add(REQUESTS, value.get(), labels));
    buffered.forEach((labels, value) -> builder.add(BUFFERED, value, labels));
    scrapeSuccess.forEach((labels, value) -> builder.add(SCRAPE_SUCCESS, value, labels));
    registry.publish(builder.build(clock));
  }
}
