package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.Agent;
import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.CommandLine;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.node.NodeCollectorFactory;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as Main starts it: the --cloudwatch.* flags start the bridge, and events reach
 * CloudWatch.
 */
class AgentCloudWatchTest {
  @RegisterExtension final FakeCloudWatch aws = new FakeCloudWatch();
  private Agent agent;

  @TempDir Path emptySysfs;

  AgentCloudWatchTest() throws IOException {}

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void theFlagsStartTheBridgeAndPerformanceEventsArrive() throws Exception {
    CollectorFactory node = new NodeCollectorFactory();
    CollectorCatalog catalog =
        new CollectorCatalog(
            List.of(
                FakeCollectors.factory(
                    "node",
                    node.descriptors(),
                    context ->
                        out -> {
                          out.add(NodeSnapshots.descriptor(node, "nodescope_node_cpus"), 2);
                          out.add(
                              NodeSnapshots.descriptor(node, "nodescope_node_memory_total_bytes"),
                              4e9);
                          out.add(
                              NodeSnapshots.descriptor(node, "nodescope_node_memory_used_bytes"),
                              1e9);
                        })));
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    String[] args = {
      "--web.listen-address=127.0.0.1:0",
      "--path.sysfs=" + emptySysfs,
      "--cloudwatch.enabled",
      "--cloudwatch.region=us-west-2",
      "--cloudwatch.cluster-name=prod",
      "--cloudwatch.interval=1s",
      "--cloudwatch.endpoint=" + aws.endpoint(),
      "--collector.node.interval=100ms",
      "--collector.node.timeout=100ms"
    };
    agent =
        Agent.start(
            catalog, new CommandLine(flags).parse(args).values(), Map.of("NODE_NAME", "test-node"));

    Eventually.await(
        "a Node event in CloudWatch Logs",
        () -> {
          try {
            return aws.events().stream().anyMatch(e -> "Node".equals(e.get("Type")));
          } catch (IOException e) {
            return false;
          }
        });
    Map<String, Object> event =
        aws.events().stream().filter(e -> "Node".equals(e.get("Type"))).findFirst().orElseThrow();
    assertThat(event)
        .containsEntry("ClusterName", "prod")
        .containsEntry("NodeName", "test-node")
        .containsEntry("node_memory_utilization", 25);
    assertThat(aws.logCalls().get(0))
        .containsEntry("logGroupName", "/aws/containerinsights/prod/performance")
        .containsEntry("logStreamName", "test-node");
    EmfValidity.assertValid(event);
    Eventually.await(
        "node_memory_utilization through PutMetricData",
        () ->
            aws.datums().stream()
                .anyMatch(d -> "node_memory_utilization".equals(d.get("MetricName"))));

    Eventually.await(
        "the bridge's self-metrics on /metrics",
        () ->
            metrics()
                .lines()
                .anyMatch(
                    line ->
                        line.startsWith(
                                "nodescope_cloudwatch_values_sent_total{api=\"put_log_events\"} ")
                            && !line.endsWith(" 0.0")));
  }

  private String metrics() {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + agent.address().getPort() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
