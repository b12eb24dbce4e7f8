package dev.nodescope.bench;

import dev.nodescope.agent.exposition.BuildInfo;
import dev.nodescope.agent.exposition.OtelExposition;
import dev.nodescope.collectors.core.CollectorHealth;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One scrape's worth of exposition work (collect the registry, write the format) at 1k and 10k
 * series, for the agent's path (OTel asynchronous instruments read by the OTel Prometheus reader)
 * and, side by side, the peer a ratio is taken against: the same prepared series handed to
 * client_java directly, without OTel in between. The series look like pod metrics: ten families,
 * two labels each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ExpositionBenchmark {
  private static final int FAMILIES = 10;

  @Param({"1000", "10000"})
  public int series;

  @Param({"text", "openmetrics"})
  public String format;

  private OtelExposition otel;
  private PrometheusRegistry direct;
  private io.prometheus.metrics.expositionformats.ExpositionFormatWriter writer;

  /** Counts the bytes so that the JIT cannot drop the writing. */
  private static final class CountingStream extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    List<MetricDescriptor> descriptors = new ArrayList<>();
    for (int f = 0; f < FAMILIES; f++) {
      descriptors.add(
          f % 2 == 0
              ? MetricDescriptor.counter(
                  "bench_family" + f + "_total", "Family " + f + ".", "pod", "container")
              : MetricDescriptor.gauge(
                  "bench_family" + f + "_bytes", "Family " + f + ".", "pod", "container"));
    }
    SnapshotBuilder run = new SnapshotBuilder("bench", descriptors);
    int perFamily = series / FAMILIES;
    for (MetricDescriptor descriptor : descriptors) {
      for (int i = 0; i < perFamily; i++) {
        run.add(
            descriptor,
            1_000_000.0 + i * 17.5,
            "inference-" + (i / 4) + "-7d9f8c6b5-x" + i,
            "c" + (i % 4));
      }
    }
    SnapshotRegistry registry = new SnapshotRegistry();
    registry.register("bench");
    Snapshot snapshot = run.build(Clock.systemUTC());
    registry.publish(snapshot);
    registry.report(new CollectorHealth("bench", 0.01, true, true, 0, 1));
    otel =
        new OtelExposition(
            registry, Map.of("bench", descriptors), new BuildInfo("bench", "bench"), 100_000);
    direct = new PrometheusRegistry();
    direct.register(directCollector(snapshot));
    writer =
        format.equals("text")
            ? PrometheusTextFormatWriter.create()
            : OpenMetricsTextFormatWriter.create();
  }

  /**
   * The peer: client_java snapshots from the same series, labels prepared once as the agent
   * prepares its own.
   */
  private static MultiCollector directCollector(Snapshot snapshot) {
    List<MetricSnapshot> prepared = new ArrayList<>();
    for (MetricFamily family : snapshot.families().values()) {
      MetricDescriptor descriptor = family.descriptor();
      List<String> names = descriptor.labelNames();
      if (descriptor.name().endsWith("_total")) {
        CounterSnapshot.Builder counter =
            CounterSnapshot.builder()
                .name(
                    descriptor.name().substring(0, descriptor.name().length() - "_total".length()))
                .help(descriptor.help());
        for (Sample sample : family.samples()) {
          counter.dataPoint(
              CounterSnapshot.CounterDataPointSnapshot.builder()
                  .labels(Labels.of(names, sample.labelValues()))
                  .value(sample.value())
                  .build());
        }
        prepared.add(counter.build());
      } else {
        GaugeSnapshot.Builder gauge =
            GaugeSnapshot.builder().name(descriptor.name()).help(descriptor.help());
        for (Sample sample : family.samples()) {
          gauge.dataPoint(
              GaugeSnapshot.GaugeDataPointSnapshot.builder()
                  .labels(Labels.of(names, sample.labelValues()))
                  .value(sample.value())
                  .build());
        }
        prepared.add(gauge.build());
      }
    }
    MetricSnapshots snapshots = new MetricSnapshots(prepared);
    return () -> snapshots;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    otel.close();
  }

  @Benchmark
  public void agentOtelExposition(Blackhole blackhole) throws IOException {
    blackhole.consume(write(otel.prometheusRegistry()));
  }

  @Benchmark
  public void peerClientJavaDirect(Blackhole blackhole) throws IOException {
    blackhole.consume(write(direct));
  }

  /**
   * Four scrapers at once (Prometheus HA pairs plus a CloudWatch agent, say): time per scrape under
   * contention.
   */
  @Benchmark
  @Threads(4)
  public void agentOtelExpositionFourScrapers(Blackhole blackhole) throws IOException {
    blackhole.consume(write(otel.prometheusRegistry()));
  }

  @Benchmark
  @Threads(4)
  public void peerClientJavaDirectFourScrapers(Blackhole blackhole) throws IOException {
    blackhole.consume(write(direct));
  }

  /**
   * Ten scrapers at once with no publish in between, as the agent answers them: the body prepared
   * once for the generation, shared. Sampled, so that JMH reports p50 and p99 per scrape.
   */
  @Benchmark
  @Threads(10)
  @BenchmarkMode(Mode.SampleTime)
  public void agentPreparedBodyTenScrapers(Blackhole blackhole) {
    blackhole.consume(otel.bodies().body(accept(), false).length());
  }

  /** The same ten scrapers, each rendering the same registry itself (no prepared body). */
  @Benchmark
  @Threads(10)
  @BenchmarkMode(Mode.SampleTime)
  public void peerRenderedPerScrapeTenScrapers(Blackhole blackhole) throws IOException {
    blackhole.consume(write(otel.prometheusRegistry()));
  }

  private String accept() {
    return format.equals("text")
        ? "text/plain; version=0.0.4"
        : "application/openmetrics-text; version=1.0.0";
  }

  private long write(PrometheusRegistry registry) throws IOException {
    CountingStream out = new CountingStream();
    writer.write(out, registry.scrape());
    return out.bytes;
  }
}
