package dev.nodescope.agent.exposition;

import dev.nodescope.collectors.core.CollectorHealth;
import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Serves the registry's snapshots through OpenTelemetry asynchronous instruments and the OTel
 * Prometheus reader. Each new snapshot is turned into OTel attributes on the collector's thread
 * when it is published, so a scrape only walks ready-made lists: no I/O and no label building on
 * the scrape path.
 *
 * <p>Info metrics and histograms are the exception: OTel has no info type, client_java strips
 * {@code _info} from gauge names, and OTel has no asynchronous histogram, so they are served as
 * client_java info and classic histogram snapshots from the same registry, which keeps their names
 * and type.
 */
public final class OtelExposition implements AutoCloseable {
  private static final AttributeKey<String> COLLECTOR = AttributeKey.stringKey("collector");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> PHASE = AttributeKey.stringKey("phase");

  private final SnapshotRegistry registry;
  private final SdkMeterProvider meterProvider;
  private final PrometheusRegistry prometheusRegistry = new PrometheusRegistry();

  /** Per collector: the prepared series of its latest snapshot. */
  private final Map<String, PreparedSnapshot> prepared = new ConcurrentHashMap<>();

  private final List<InfoFamily> infoFamilies = new ArrayList<>();
  private final Meter meter;
  private final PreparedBodies bodies = new PreparedBodies(prometheusRegistry, this::generation);

  /** The HTTP server whose counters are served, once {@link #serve} is called. */
  private volatile HttpServerMetrics http;

  private record PreparedSeries(Attributes attributes, double value) {}

  private record PreparedSnapshot(
      Map<String, List<PreparedSeries>> series,
      Map<String, List<Labels>> infos,
      Map<String, List<HistogramSnapshot.HistogramDataPointSnapshot>> histograms) {}

  /** An info or histogram metric, served from client_java snapshots. */
  private record InfoFamily(String collector, MetricDescriptor descriptor) {}

  public OtelExposition(
      SnapshotRegistry registry,
      Map<String, List<MetricDescriptor>> descriptorsByCollector,
      BuildInfo buildInfo,
      int seriesLimitPerMetric) {
    this.registry = registry;
    PrometheusMetricReader reader =
        PrometheusMetricReader.builder()
            // One scope serves everything; the label would only make every series longer.
            .setOtelScopeLabelsEnabled(false)
            // The resource is this process; node identity comes from the scrape target's own
            // labels.
            .setTargetInfoMetricEnabled(false)
            .build();
    this.meterProvider =
        SdkMeterProvider.builder()
            .setResource(Resource.empty())
            // The SDK would fold series past its default of 2000 into an overflow series;
            // collectors bound their own
            // cardinality, so the SDK's limit only guards against a bug.
            .registerMetricReader(reader, instrumentType -> seriesLimitPerMetric)
            .build();
    prometheusRegistry.register(new SharedCollection(reader));

    meter = meterProvider.get("dev.nodescope.agent");
    Map<String, String> owner = new HashMap<>();
    descriptorsByCollector.forEach(
        (collector, descriptors) -> {
          for (MetricDescriptor descriptor : descriptors) {
            String previous = owner.putIfAbsent(descriptor.name(), collector);
            if (previous != null) {
              throw new IllegalStateException(
                  descriptor.name() + " is declared by both " + previous + " and " + collector);
            }
            if (descriptor.type() == MetricType.INFO || descriptor.type() == MetricType.HISTOGRAM) {
              infoFamilies.add(new InfoFamily(collector, descriptor));
            } else {
              register(
                  meter, descriptor, measurement -> observe(collector, descriptor, measurement));
            }
          }
        });
    registerSelfMetrics(meter);
    prepareBuildInfo(buildInfo);
    prometheusRegistry.register((MultiCollector) this::collectInfos);
    registry.onPublish(this::prepare);
    registry.snapshots().forEach(this::prepare);
  }

  public PrometheusRegistry prometheusRegistry() {
    return prometheusRegistry;
  }

  /** The telemetry bodies, prepared once per generation of the data. */
  public PreparedBodies bodies() {
    return bodies;
  }

  /**
   * Serves the HTTP server's own counters. They change on their own, not when a collector
   * publishes, so each change of theirs is a new generation of the body too: a scrape right after a
   * refusal shows it, and a server that refuses nothing adds no rendering.
   */
  public void serve(HttpServerMetrics http) {
    register(meter, HttpServerMetrics.REJECTED, m -> eachTotal(m, REASON, http.rejected()));
    register(meter, HttpServerMetrics.TIMED_OUT, m -> eachTotal(m, PHASE, http.timedOut()));
    this.http = http;
  }

  /**
   * Changes whenever the body would: a collector's publish or health report, the HTTP server's
   * counters, and the server's counters joining the body.
   */
  private long generation() {
    HttpServerMetrics served = http;
    return registry.generation() + (served == null ? 0 : 1 + served.changes());
  }

  private static void eachTotal(
      ObservableDoubleMeasurement measurement, AttributeKey<String> key, Map<String, Long> totals) {
    totals.forEach((label, total) -> measurement.record(total, Attributes.of(key, label)));
  }

  private static void register(
      Meter meter, MetricDescriptor descriptor, Consumer<ObservableDoubleMeasurement> callback) {
    if (descriptor.type() == MetricType.COUNTER) {
      String base = descriptor.name().substring(0, descriptor.name().length() - "_total".length());
      meter
          .counterBuilder(base)
          .ofDoubles()
          .setDescription(descriptor.help())
          .buildWithCallback(callback);
    } else {
      meter
          .gaugeBuilder(descriptor.name())
          .setDescription(descriptor.help())
          .buildWithCallback(callback);
    }
  }

  private void prepare(Snapshot snapshot) {
    Map<String, List<PreparedSeries>> series = new HashMap<>();
    Map<String, List<Labels>> infos = new HashMap<>();
    Map<String, List<HistogramSnapshot.HistogramDataPointSnapshot>> histograms = new HashMap<>();
    for (MetricFamily family : snapshot.families().values()) {
      List<String> names = family.descriptor().labelNames();
      if (family.descriptor().type() == MetricType.HISTOGRAM) {
        List<HistogramSnapshot.HistogramDataPointSnapshot> points =
            new ArrayList<>(family.samples().size());
        for (Sample sample : family.samples()) {
          points.add(histogramPoint(Labels.of(names, sample.labelValues()), sample.histogram()));
        }
        histograms.put(family.descriptor().name(), points);
      } else if (family.descriptor().type() == MetricType.INFO) {
        List<Labels> labels = new ArrayList<>(family.samples().size());
        for (Sample sample : family.samples()) {
          labels.add(Labels.of(names, sample.labelValues()));
        }
        infos.put(family.descriptor().name(), labels);
      } else {
        List<PreparedSeries> prepared = new ArrayList<>(family.samples().size());
        for (Sample sample : family.samples()) {
          prepared.add(new PreparedSeries(attributes(names, sample.labelValues()), sample.value()));
        }
        series.put(family.descriptor().name(), prepared);
      }
    }
    prepared.put(snapshot.collector(), new PreparedSnapshot(series, infos, histograms));
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot histogramPoint(
      Labels labels, Histogram histogram) {
    double[] bounds = new double[histogram.upperBounds().size() + 1];
    long[] counts = new long[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] =
          i < histogram.upperBounds().size()
              ? histogram.upperBounds().get(i)
              : Double.POSITIVE_INFINITY;
      counts[i] = histogram.counts().get(i);
    }
    return HistogramSnapshot.HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
        .sum(histogram.sum())
        .labels(labels)
        .build();
  }

  private void observe(
      String collector, MetricDescriptor descriptor, ObservableDoubleMeasurement measurement) {
    PreparedSnapshot snapshot = prepared.get(collector);
    List<PreparedSeries> series =
        snapshot == null ? null : snapshot.series().get(descriptor.name());
    if (series != null) {
      for (PreparedSeries sample : series) {
        measurement.record(sample.value(), sample.attributes());
      }
    }
  }

  private MetricSnapshots collectInfos() {
    MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
    for (InfoFamily family : infoFamilies) {
      PreparedSnapshot snapshot = prepared.get(family.collector());
      if (family.descriptor().type() == MetricType.HISTOGRAM) {
        List<HistogramSnapshot.HistogramDataPointSnapshot> points =
            snapshot == null ? null : snapshot.histograms().get(family.descriptor().name());
        if (points != null && !points.isEmpty()) {
          HistogramSnapshot.Builder histogram =
              HistogramSnapshot.builder()
                  .name(family.descriptor().name())
                  .help(family.descriptor().help());
          points.forEach(histogram::dataPoint);
          snapshots.metricSnapshot(histogram.build());
        }
        continue;
      }
      List<Labels> labels =
          snapshot == null ? null : snapshot.infos().get(family.descriptor().name());
      if (labels == null || labels.isEmpty()) {
        continue;
      }
      String name = family.descriptor().name();
      InfoSnapshot.Builder info =
          InfoSnapshot.builder()
              .name(name.substring(0, name.length() - "_info".length()))
              .help(family.descriptor().help());
      labels.forEach(
          l -> info.dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(l).build()));
      snapshots.metricSnapshot(info.build());
    }
    return snapshots.build();
  }

  private void registerSelfMetrics(Meter meter) {
    register(
        meter, RunnerMetrics.DURATION, m -> eachHealth(m, CollectorHealth::lastDurationSeconds));
    register(meter, RunnerMetrics.SUCCESS, m -> eachHealth(m, h -> h.lastRunSucceeded() ? 1 : 0));
    register(meter, RunnerMetrics.ERRORS, m -> eachHealth(m, h -> (double) h.errors()));
    register(
        meter,
        RunnerMetrics.SOURCE_AVAILABLE,
        m -> eachHealth(m, h -> h.sourceAvailable() ? 1 : 0));
  }

  private void prepareBuildInfo(BuildInfo buildInfo) {
    String agent = "agent";
    infoFamilies.add(new InfoFamily(agent, BuildInfo.METRIC));
    prepared.put(
        agent,
        new PreparedSnapshot(
            Map.of(),
            Map.of(
                BuildInfo.METRIC.name(),
                List.of(
                    Labels.of(
                        BuildInfo.METRIC.labelNames(),
                        List.of(
                            buildInfo.version(),
                            buildInfo.revision(),
                            System.getProperty("java.version"))))),
            Map.of()));
  }

  private void eachHealth(
      ObservableDoubleMeasurement measurement, ToDoubleFunction<CollectorHealth> value) {
    for (CollectorHealth health : registry.health()) {
      if (health.completedRuns() > 0) {
        measurement.record(
            value.applyAsDouble(health), Attributes.of(COLLECTOR, health.collector()));
      }
    }
  }

  private static Attributes attributes(List<String> names, List<String> values) {
    AttributesBuilder builder = Attributes.builder();
    for (int i = 0; i < names.size(); i++) {
      builder.put(names.get(i), values.get(i));
    }
    return builder.build();
  }

  @Override
  public void close() {
    meterProvider.close();
  }
}
