package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.CommandLine;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent wired as Main wires it, with made-up collectors that misbehave in each way a real
 * source can: the endpoint and the healthy collector must not notice.
 */
class AgentTest {
  private static final MetricDescriptor HEALTHY =
      MetricDescriptor.gauge("healthy_value", "Healthy.", "k");
  private static final MetricDescriptor PARTIAL =
      MetricDescriptor.gauge("partial_value", "Partial.", "k");

  private final CountDownLatch releaseHung = new CountDownLatch(1);
  private final HttpClient client = HttpClient.newHttpClient();
  private Agent agent;

  @AfterEach
  void tearDown() {
    releaseHung.countDown();
    if (agent != null) {
      agent.close();
    }
  }

  private CollectorCatalog misbehavingCatalog() {
    return new CollectorCatalog(
        List.of(
            FakeCollectors.factory(
                "healthy", List.of(HEALTHY), context -> out -> out.add(HEALTHY, 42, "a")),
            FakeCollectors.factory(
                "throwing",
                never("throwing"),
                context ->
                    out -> {
                      throw new IOException("/proc/throwing: No such file or directory");
                    }),
            FakeCollectors.factory(
                "hanging",
                never("hanging"),
                context ->
                    out -> {
                      while (releaseHung.getCount() > 0) {
                        try {
                          releaseHung.await();
                        } catch (InterruptedException ignored) {
                          // stuck like an uninterruptible read of a dead NFS mount
                        }
                      }
                    }),
            FakeCollectors.factory(
                "absent",
                never("absent"),
                context -> {
                  throw new SourceUnavailableException("no device");
                }),
            FakeCollectors.factory(
                "partial",
                List.of(PARTIAL),
                context ->
                    out -> {
                      out.add(PARTIAL, 1, "good");
                      out.partialFailure("unreadable entry bad");
                    })));
  }

  private static List<MetricDescriptor> never(String collector) {
    return List.of(MetricDescriptor.gauge(collector + "_value", "Never exposed."));
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.address().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  @Test
  void misbehavingCollectorsNeitherStopTheOthersNorTheEndpoint() throws Exception {
    CollectorCatalog catalog = misbehavingCatalog();
    List<String> args = new ArrayList<>(List.of("--web.listen-address=127.0.0.1:0"));
    for (CollectorFactory factory : catalog.factories()) {
      args.add("--collector." + factory.name() + ".interval=100ms");
      args.add("--collector." + factory.name() + ".timeout=100ms");
    }
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    agent =
        Agent.start(
            catalog,
            new CommandLine(flags).parse(args.toArray(String[]::new)).values(),
            Map.of("NODE_NAME", "test-node"));

    Eventually.await(
        "readiness despite the hung collector",
        () -> {
          try {
            return get("/readyz").startsWith("200");
          } catch (IOException | InterruptedException e) {
            return false;
          }
        });
    Eventually.await("several runs of the hung collector", () -> errors(scrape(), "hanging") >= 3);

    String metrics = scrape();
    assertThat(metrics)
        .startsWith("200 ")
        .contains(
            "healthy_value{k=\"a\"} 42.0",
            "nodescope_collector_success{collector=\"healthy\"} 1.0",
            "nodescope_collector_errors_total{collector=\"healthy\"} 0.0",
            "nodescope_collector_success{collector=\"throwing\"} 0.0",
            "nodescope_collector_success{collector=\"hanging\"} 0.0",
            "nodescope_collector_success{collector=\"absent\"} 1.0",
            "nodescope_collector_source_available{collector=\"absent\"} 0.0",
            "nodescope_collector_errors_total{collector=\"absent\"} 0.0",
            "nodescope_collector_success{collector=\"partial\"} 1.0",
            "partial_value{k=\"good\"} 1.0")
        .doesNotContain("throwing_value", "hanging_value", "absent_value");
    assertThat(errors(metrics, "throwing")).isGreaterThan(0);
    assertThat(errors(metrics, "partial")).isGreaterThan(0);
    assertThat(get("/healthz")).isEqualTo("200 ok\n");
  }

  private String scrape() {
    try {
      return get("/metrics");
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static double errors(String metrics, String collector) {
    String prefix = "nodescope_collector_errors_total{collector=\"" + collector + "\"} ";
    return metrics
        .lines()
        .filter(line -> line.startsWith(prefix))
        .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length())))
        .findFirst()
        .orElseThrow();
  }
}
