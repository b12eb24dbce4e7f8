package dev.nodescope.agent.cloudwatch;

import dev.nodescope.collectors.core.Flag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Flags of the CloudWatch bridge ({@code --cloudwatch.*}); off unless {@code --cloudwatch.enabled}.
 */
public final class CloudWatchFlags {
  public static final Flag<Boolean> ENABLED =
      Flag.bool(
          "cloudwatch.enabled",
          false,
          "Send Container Insights performance events (EMF) and declared metrics (PutMetricData) to CloudWatch. "
              + "Needs --cloudwatch.region and --cloudwatch.cluster-name; credentials come from the AWS SDK default "
              + "chain.");
  public static final Flag<String> REGION =
      Flag.string(
          "cloudwatch.region",
          null,
          "AWS region of CloudWatch and CloudWatch Logs (cn-north-1 and cn-northwest-1 resolve to amazonaws.com.cn).");
  public static final Flag<String> CLUSTER_NAME =
      Flag.string(
          "cloudwatch.cluster-name",
          null,
          "Cluster name: the ClusterName field and dimension, and part of the default log group.");
  public static final Flag<Duration> INTERVAL =
      Flag.duration(
          "cloudwatch.interval",
          Duration.ofSeconds(60),
          "How often the bridge sends one event per entity and one value per declared metric.");
  public static final Flag<String> ENDPOINT =
      Flag.string(
          "cloudwatch.endpoint",
          null,
          "Endpoint URL overriding the region's for both clients (a VPC endpoint, a test server).");
  public static final Flag<String> LOG_GROUP =
      Flag.string(
          "cloudwatch.log-group",
          null,
          "Log group of the performance events; default /aws/containerinsights/<cluster-name>/performance. "
              + "The log stream is the node name.");
  public static final Flag<String> NAMESPACE =
      Flag.string(
          "cloudwatch.namespace",
          "Nodescope",
          "Metric namespace of the declared metrics sent with PutMetricData.");
  public static final Flag<Path> DECLARATIONS_FILE =
      Flag.path(
          "cloudwatch.declarations-file",
          null,
          "YAML or JSON file declaring which metrics go to PutMetricData and with which dimension sets; default: "
              + "node and pod CPU and memory utilization, GPU and NeuronCore utilization, flow bytes by workload.");
  public static final Flag<String> SCRAPE_TARGETS =
      Flag.string(
          "cloudwatch.scrape-targets",
          null,
          "Comma-separated Prometheus/OpenMetrics URLs the bridge scrapes each interval and forwards.");
  public static final Flag<Boolean> SCRAPE_PODS =
      Flag.bool(
          "cloudwatch.scrape-pods",
          false,
          "Also scrape this node's pods annotated prometheus.io/scrape=true (prometheus.io/port, prometheus.io/path, "
              + "prometheus.io/scheme).");
  public static final Flag<Integer> BUFFER_VALUES =
      Flag.integer(
          "cloudwatch.buffer-values",
          20_000,
          "Values held per API while CloudWatch is slow or unreachable; beyond it the oldest are dropped and counted.");
  public static final Flag<Duration> RETRY_DEADLINE =
      Flag.duration(
          "cloudwatch.retry-deadline",
          Duration.ofMinutes(10),
          "How long a value is retried (throttling, 5xx, network errors) before it is dropped and counted.");

  public static final List<Flag<?>> ALL =
      List.of(
          ENABLED,
          REGION,
          CLUSTER_NAME,
          INTERVAL,
          ENDPOINT,
          LOG_GROUP,
          NAMESPACE,
          DECLARATIONS_FILE,
          SCRAPE_TARGETS,
          SCRAPE_PODS,
          BUFFER_VALUES,
          RETRY_DEADLINE);

  private CloudWatchFlags() {}
}
