package dev.nodescope.agent.exposition;

import dev.nodescope.collectors.core.CollectorHealth;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A registry with one made-up collector, served by the real exposition and HTTP server on a
 * loopback port.
 */
final class ExpositionFixture implements AutoCloseable {
  static final MetricDescriptor BYTES =
      MetricDescriptor.counter("test_receive_bytes_total", "Bytes received.", "device");
  static final MetricDescriptor LOAD =
      MetricDescriptor.gauge("test_load1", "Load average over 1 minute.");
  static final MetricDescriptor POD =
      MetricDescriptor.info("test_pod_info", "Pod metadata.", "namespace", "pod");
  static final MetricDescriptor LATENCY =
      MetricDescriptor.histogram("test_latency_seconds", "Request latency.", "path");
  static final BuildInfo BUILD = new BuildInfo("1.2.3", "abc1234");

  final SnapshotRegistry registry = new SnapshotRegistry();
  final OtelExposition exposition;
  final AgentHttpServer server;
  final HttpClient client = HttpClient.newHttpClient();

  ExpositionFixture() throws IOException {
    this(1000, 40);
  }

  ExpositionFixture(int seriesLimitPerMetric, int maxRequests) throws IOException {
    registry.register("test");
    exposition =
        new OtelExposition(
            registry,
            Map.of("test", List.of(BYTES, LOAD, POD, LATENCY)),
            BUILD,
            seriesLimitPerMetric);
    server =
        new AgentHttpServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            "/metrics",
            exposition.bodies(),
            registry::initialCollectionDone,
            maxRequests);
    exposition.serve(server.metrics());
  }

  /** Publishes a run as a collector would, with its health. */
  void publish(SnapshotBuilder run, CollectorHealth health) {
    registry.publish(run.build(Clock.systemUTC()));
    registry.report(health);
  }

  static SnapshotBuilder run() {
    return new SnapshotBuilder("test", List.of(BYTES, LOAD, POD, LATENCY));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  HttpResponse<byte[]> get(String path, String... headers)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
  }

  HttpResponse<byte[]> send(HttpRequest.Builder request, String... headers)
      throws IOException, InterruptedException {
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() {
    server.close();
    exposition.close();
  }
}
