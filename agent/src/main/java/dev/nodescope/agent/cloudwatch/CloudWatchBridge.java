package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.LogEventBatcher.LogEvent;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Datum;
import dev.nodescope.collectors.core.DaemonThreads;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * The CloudWatch bridge: every interval, on its own thread, it reads the registry's latest
 * snapshots (never the collectors or the HTTP endpoint, so it cannot slow either), writes one
 * Container Insights performance event per entity to the log group (stream = node name) and the
 * declared metrics with PutMetricData, then delivers what its bounded buffers hold. Its own
 * counters are published into the registry as collector "cloudwatch".
 */
public final class CloudWatchBridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CloudWatchBridge.class);
  private static final Duration SHUTDOWN_FLUSH = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final CloudWatchSettings settings;
  private final SnapshotRegistry registry;
  private final PodDirectory pods;
  private final Clock clock;
  private final BridgeMetrics metrics;
  private final ContainerInsights insights;
  private final DeclaredMetrics declared;
  private final Scraper scraper;
  private final Delivery delivery;
  private final CloudWatchClient cloudWatch;
  private final CloudWatchLogsClient logs;
  private final Map<String, Object> nodeFields;
  private final BoundedBuffer<Datum> metricBuffer;
  private final BoundedBuffer<LogEvent> logBuffer;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cloudwatch-bridge"));

  CloudWatchBridge(
      CloudWatchSettings settings,
      SnapshotRegistry registry,
      PodDirectory pods,
      String nodeName,
      Map<String, String> instance,
      Clock clock,
      Delivery.Sleeper sleeper) {
    this.settings = settings;
    this.registry = registry;
    this.pods = pods;
    this.clock = clock;
    this.metrics = new BridgeMetrics(clock);
    this.insights = new ContainerInsights(settings.clusterName(), nodeName, instance);
    this.declared = new DeclaredMetrics(settings.declarations());
    this.scraper =
        new Scraper(
            settings.scrapeTargets(),
            settings.scrapePods(),
            pods,
            settings.interval().compareTo(Duration.ofSeconds(10)) < 0
                ? settings.interval()
                : Duration.ofSeconds(10));
    this.cloudWatch = configure(CloudWatchClient.builder(), settings).build();
    this.logs = configure(CloudWatchLogsClient.builder(), settings).build();
    this.delivery =
        new Delivery(
            cloudWatch, logs, settings, nodeName, metrics, Backoff.standard(), clock, sleeper);
    this.metricBuffer = new BoundedBuffer<>(settings.bufferValues(), datum -> 1);
    this.logBuffer = new BoundedBuffer<>(settings.bufferValues(), event -> 1);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("ClusterName", settings.clusterName());
    fields.put("NodeName", nodeName);
    fields.putAll(instance);
    this.nodeFields = fields;
    metrics.publish(registry);
  }

  /** Starts the bridge on its own thread; the first interval ends one interval from now. */
  public static CloudWatchBridge start(
      CloudWatchSettings settings,
      SnapshotRegistry registry,
      PodDirectory pods,
      String nodeName,
      RootPaths paths) {
    CloudWatchBridge bridge =
        new CloudWatchBridge(
            settings,
            registry,
            pods,
            nodeName,
            instanceIdentity(paths),
            Clock.systemUTC(),
            duration -> Thread.sleep(duration.toMillis()));
    long millis = settings.interval().toMillis();
    // Runs until close() shuts the thread down; runInterval() handles its own failures.
    Future<?> unused =
        bridge.thread.scheduleWithFixedDelay(
            bridge::runInterval, millis, millis, TimeUnit.MILLISECONDS);
    LOG.info(
        "cloudwatch bridge: region {}, cluster {}, log group {}, namespace {}, every {}",
        settings.region(),
        settings.clusterName(),
        settings.logGroup(),
        settings.namespace(),
        settings.interval());
    return bridge;
  }

  /** Client retries are off: the bridge retries, counts and buffers itself. */
  static <
          B extends
              software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>
                  & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, ?>>
      B configure(B builder, CloudWatchSettings settings) {
    builder
        .region(Region.of(settings.region()))
        .credentialsProvider(DefaultCredentialsProvider.builder().build())
        .httpClientBuilder(
            UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(CALL_TIMEOUT))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallTimeout(CALL_TIMEOUT)
                .build());
    settings.endpoint().ifPresent(builder::endpointOverride);
    return builder;
  }

  /**
   * InstanceId and InstanceType from the Nitro hypervisor's DMI tables (no call to the metadata
   * service, which a pod may be denied); empty off EC2 or on Xen instances, and the dimension sets
   * naming InstanceId are left out.
   */
  static Map<String, String> instanceIdentity(RootPaths paths) {
    Map<String, String> identity = new LinkedHashMap<>();
    String assetTag = readDmi(paths.sys("devices/virtual/dmi/id/board_asset_tag"));
    if (assetTag.startsWith("i-")) {
      identity.put("InstanceId", assetTag);
      String type = readDmi(paths.sys("devices/virtual/dmi/id/product_name"));
      if (!type.isEmpty()) {
        identity.put("InstanceType", type);
      }
    }
    return identity;
  }

  private static String readDmi(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private void runInterval() {
    try {
      interval();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // Logged and survived: an exception would cancel the schedule and end the bridge for good.
      LOG.error("cloudwatch bridge interval failed: {}", e.toString(), e);
    }
  }

  /** One interval's output before buffering: rendered log events and metric data points. */
  record Prepared(List<LogEvent> logEvents, List<Datum> data) {}

  /** Maps, buffers and delivers one interval. */
  void interval() throws InterruptedException {
    Instant start = clock.instant();
    Prepared prepared = prepare(start.toEpochMilli());
    buffer(logBuffer, prepared.logEvents(), BridgeMetrics.PUT_LOG_EVENTS);
    buffer(metricBuffer, prepared.data(), BridgeMetrics.PUT_METRIC_DATA);
    try {
      flush(start.plus(settings.interval()));
    } finally {
      metrics.publish(registry);
    }
  }

  /** Adds one interval's items to the buffer of an API, counting those it pushes out as dropped. */
  private <T> void buffer(BoundedBuffer<T> buffer, List<T> items, String api) {
    long dropped = 0;
    for (T item : items) {
      dropped += buffer.add(item);
    }
    metrics.dropped(api, "buffer_full", dropped, "buffer full while CloudWatch was unreachable");
  }

  /**
   * Reads the latest snapshots (and scrape targets) into this interval's events and data points.
   */
  Prepared prepare(long now) {
    List<Snapshot> snapshots = new ArrayList<>(registry.snapshots());
    snapshots.removeIf(snapshot -> snapshot.collector().equals(BridgeMetrics.COLLECTOR));
    SnapshotIndex index = new SnapshotIndex(snapshots);
    Map<String, PodInfo> podsByUid = new HashMap<>();
    pods.pods().forEach(pod -> podsByUid.put(pod.uid(), pod));
    List<PerformanceEvent> events = new ArrayList<>(insights.map(index, podsByUid));
    List<Point> points = points(index, events, podsByUid);
    List<ScrapedHistogram> histograms = new ArrayList<>();
    if (scraper.active()) {
      Scraper.Scrape scrape = scraper.scrape(nodeFields, metrics);
      events.addAll(scrape.events());
      points.addAll(scrape.points());
      histograms.addAll(scrape.histograms());
    }
    List<LogEvent> logEvents = new ArrayList<>(events.size());
    for (PerformanceEvent event : events) {
      for (String json : EmfEvents.render(event, now)) {
        logEvents.add(new LogEvent(now, json));
      }
    }
    return new Prepared(logEvents, declared.data(points, histograms, now));
  }

  private void flush(Instant stopAt) throws InterruptedException {
    delivery.flushLogEvents(logBuffer, stopAt);
    delivery.flushMetricData(metricBuffer, stopAt);
  }

  /**
   * The declared metrics' points: the agent's own series (with ClusterName, NodeName, workload) and
   * CI values.
   */
  private List<Point> points(
      SnapshotIndex index, List<PerformanceEvent> events, Map<String, PodInfo> podsByUid) {
    Map<String, PodInfo> podsByName = new HashMap<>();
    podsByUid.values().forEach(pod -> podsByName.put(pod.namespace() + "/" + pod.name(), pod));
    List<Point> points = new ArrayList<>();
    for (List<SnapshotIndex.Row> rows : index.all()) {
      if (rows.isEmpty() || !declared.declares(rows.get(0).metric())) {
        continue;
      }
      for (SnapshotIndex.Row row : rows) {
        Map<String, String> labels = new LinkedHashMap<>(row.labels());
        nodeFields.forEach((name, value) -> labels.putIfAbsent(name, value.toString()));
        PodInfo pod = podsByName.get(row.label("namespace") + "/" + row.label("pod"));
        if (pod != null) {
          labels.putIfAbsent("workload", pod.ownerName());
          labels.putIfAbsent("workload_kind", pod.ownerKind());
        } else if (row.labels().containsKey("pod")) {
          labels.putIfAbsent("workload", row.label("pod"));
        }
        points.add(new Point(row.metric(), labels, row.value(), row.counter()));
      }
    }
    for (PerformanceEvent event : events) {
      for (PerformanceEvent.Metric metric : event.metrics()) {
        if (declared.declares(metric.name())) {
          Map<String, String> labels = new LinkedHashMap<>();
          event
              .fields()
              .forEach(
                  (name, value) -> {
                    if (value instanceof String text) {
                      labels.put(name, text);
                    }
                  });
          points.add(new Point(metric.name(), labels, metric.value(), false));
        }
      }
    }
    return points;
  }

  BridgeMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      if (thread.awaitTermination(SHUTDOWN_FLUSH.toSeconds(), TimeUnit.SECONDS)) {
        // What the last interval could not deliver gets one short last chance.
        flush(clock.instant().plus(SHUTDOWN_FLUSH));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      metrics.publish(registry);
      cloudWatch.close();
      logs.close();
    }
  }
}
