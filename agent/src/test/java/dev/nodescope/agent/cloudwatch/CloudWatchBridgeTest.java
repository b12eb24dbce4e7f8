package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.nodescope.agent.cloudwatch.FakeCloudWatch.Failure;
import dev.nodescope.collectors.core.MetricFamily;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.testing.CapturedLogs;
import dev.nodescope.collectors.testing.MutableClock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bridge with the real SDK clients against {@link FakeCloudWatch}: what arrives on the wire,
 * decoded from CBOR and JSON 1.1, is checked against values worked out by hand from the snapshots
 * ({@link NodeSnapshots}).
 */
class CloudWatchBridgeTest {
  private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

  @RegisterExtension final FakeCloudWatch aws = new FakeCloudWatch();
  private final SnapshotRegistry registry = new SnapshotRegistry();
  private final NodeSnapshots snapshots = new NodeSnapshots(registry);

  /** Sleeping between retries moves it too, so retries take no real time. */
  private final MutableClock clock = new MutableClock(T0);

  private final List<Duration> sleeps = new ArrayList<>();
  private final List<CloudWatchBridge> bridges = new ArrayList<>();
  private List<PodInfo> pods = List.of(NodeSnapshots.WEB);

  CloudWatchBridgeTest() throws IOException {}

  @AfterEach
  void tearDown() {
    bridges.forEach(CloudWatchBridge::close);
  }

  private CloudWatchBridge bridge(CloudWatchSettings settings) {
    CloudWatchBridge bridge =
        new CloudWatchBridge(
            settings,
            registry,
            () -> pods,
            "node-1",
            NodeSnapshots.instance(),
            clock,
            duration -> {
              sleeps.add(duration);
              clock.advance(duration);
            });
    bridges.add(bridge);
    return bridge;
  }

  private CloudWatchBridge defaultBridge() {
    return bridge(aws.settings(Declarations.defaults()));
  }

  /** Two readings 15 s apart, so that rates exist; the bridge runs after each. */
  private void twoIntervals(CloudWatchBridge bridge) throws InterruptedException {
    snapshots.publishNode(0, T0);
    bridge.interval();
    snapshots.publishNode(1, T0.plusSeconds(15));
    clock.advance(Duration.ofSeconds(60));
    bridge.interval();
  }

  private List<Map<String, Object>> events(String type) throws IOException {
    return aws.events().stream().filter(e -> type.equals(e.get("Type"))).toList();
  }

  private static Map<String, Object> last(List<Map<String, Object>> events) {
    return events.get(events.size() - 1);
  }

  @Test
  void performanceEventsCarryContainerInsightsFieldsAndValuesWorkedOutByHand() throws Exception {
    twoIntervals(defaultBridge());

    assertThat(aws.operations())
        .startsWith("PutLogEvents", "CreateLogGroup", "CreateLogStream", "PutLogEvents");
    for (Map<String, Object> call : aws.logCalls()) {
      assertThat(call)
          .containsEntry("logGroupName", FakeCloudWatch.LOG_GROUP)
          .containsEntry("logStreamName", "node-1");
    }
    Map<String, Object> node = last(events("Node"));
    assertThat(node)
        .containsEntry("ClusterName", "c1")
        .containsEntry("NodeName", "node-1")
        .containsEntry("InstanceId", "i-0123456789abcdef0")
        .containsEntry("InstanceType", "m5.large")
        .containsEntry("Version", "0")
        .containsEntry("Timestamp", Long.toString(T0.plusSeconds(60).toEpochMilli()));
    assertThat(((Number) node.get("node_cpu_utilization")).doubleValue())
        .isCloseTo(30.0, within(1e-9));
    assertThat(((Number) node.get("node_cpu_usage_total")).doubleValue())
        .isCloseTo(1200.0, within(1e-9));
    assertThat(node)
        .containsEntry("node_cpu_limit", 4000)
        .containsEntry("node_memory_utilization", 25)
        .containsEntry("node_memory_limit", 8000000000L)
        .containsEntry("node_network_total_bytes", 300000)
        .containsEntry("node_number_of_running_pods", 1);
    // The first interval has no rates yet (as in Container Insights), but still the other values.
    assertThat(events("Node").get(0))
        .doesNotContainKey("node_cpu_utilization")
        .containsEntry("node_memory_utilization", 25);

    Map<String, Object> fs = last(events("NodeFS"));
    assertThat(fs).containsEntry("device", "/dev/nvme0n1p1").containsEntry("fstype", "xfs");
    assertThat(((Number) fs.get("node_filesystem_utilization")).doubleValue())
        .isCloseTo(200.0 / 3, within(1e-9));
    assertThat(events("NodeNet")).extracting(e -> e.get("interface")).containsOnly("eth0");
    assertThat(last(events("NodeNet")))
        .containsEntry("node_interface_network_rx_bytes", 100000)
        .containsEntry("node_interface_network_tx_bytes", 200000);

    Map<String, Object> pod = last(events("Pod"));
    assertThat(pod)
        .containsEntry("PodName", "web")
        .containsEntry("FullPodName", "web-abc12-x")
        .containsEntry("Namespace", "shop")
        .containsEntry("pod_cpu_utilization", 5)
        .containsEntry("pod_cpu_utilization_over_pod_limit", 40)
        .containsEntry("pod_memory_utilization", 12.5)
        .containsEntry("pod_memory_utilization_over_pod_limit", 50)
        .containsEntry("pod_network_rx_bytes", 1000)
        .containsEntry("pod_network_tx_bytes", 2000)
        .containsEntry("pod_number_of_container_restarts", 2);
    assertThat(pod.get("kubernetes"))
        .isEqualTo(
            Map.of(
                "host",
                "node-1",
                "namespace_name",
                "shop",
                "pod_name",
                "web-abc12-x",
                "pod_id",
                "uid-web",
                "pod_owners",
                List.of(Map.of("owner_kind", "Deployment", "owner_name", "web"))));
    assertThat(last(events("PodNet")))
        .containsEntry("pod_interface_network_rx_bytes", 1000)
        .doesNotContainKey("_aws");
    Map<String, Object> container = last(events("Container"));
    assertThat(container)
        .containsEntry("ContainerName", "app")
        .containsEntry("container_cpu_utilization", 5)
        .containsEntry("container_memory_utilization", 10)
        .containsEntry("number_of_container_restarts", 2)
        .containsEntry("container_memory_utilization_over_container_limit", 50)
        .containsEntry("container_cpu_utilization_over_container_limit", 80);

    for (Map<String, Object> event : aws.events()) {
      if (event.containsKey("_aws")) {
        EmfValidity.assertValid(event);
      }
    }
    assertThat(aws.events())
        .extracting(e -> e.get("Type"))
        .contains("Node", "NodeFS", "NodeNet", "Pod", "PodNet", "Container");
  }

  @Test
  void declaredMetricsArriveOverRpcV2CborWithCounterDeltasAcrossAReset() throws Exception {
    CloudWatchBridge bridge = defaultBridge();
    twoIntervals(bridge);
    // The flow counter reads 1000, 1500, then the collector restarts and reads 200, then 300.
    double[] readings = {1000, 1500, 200, 300};
    for (double reading : readings) {
      snapshots.publishFlows(clock.instant(), reading);
      clock.advance(Duration.ofSeconds(60));
      bridge.interval();
    }

    assertThat(aws.metricCalls())
        .allSatisfy(call -> assertThat(call).containsEntry("Namespace", "Nodescope"));
    List<Map<String, Object>> cpu =
        aws.datums("node_cpu_utilization", Map.of("ClusterName", "c1", "NodeName", "node-1"));
    assertThat(cpu).isNotEmpty();
    assertThat(((Number) cpu.get(0).get("Value")).doubleValue()).isCloseTo(30.0, within(1e-9));
    assertThat(cpu.get(0)).containsEntry("Unit", "Percent").containsEntry("StorageResolution", 60);
    assertThat(
            aws.datums(
                "pod_cpu_utilization",
                Map.of("ClusterName", "c1", "Namespace", "shop", "PodName", "web")))
        .extracting(d -> ((Number) d.get("Value")).doubleValue())
        .contains(5.0);

    List<Map<String, Object>> flow =
        aws.datums(
            "flow_bytes",
            Map.of("ClusterName", "c1", "namespace", "shop", "workload", "web", "direction", "tx"));
    assertThat(flow)
        .extracting(d -> ((Number) d.get("Value")).doubleValue())
        .containsExactly(1000.0, 500.0, 200.0, 100.0);
    assertThat(flow).allSatisfy(d -> assertThat(d).containsEntry("Unit", "Bytes"));
    // Counted in all: 1500 before the reset and 300 after.
    assertThat(flow.stream().mapToDouble(d -> ((Number) d.get("Value")).doubleValue()).sum())
        .isEqualTo(1800);

    List<Map<String, Object>> flowEvents = events("PodFlow");
    assertThat(flowEvents)
        .extracting(e -> ((Number) e.get("pod_flow_bytes")).doubleValue())
        .containsExactly(1000.0, 500.0, 200.0, 100.0);
    assertThat(flowEvents.get(0))
        .containsEntry("PodName", "web")
        .containsEntry("FullPodName", "web-abc12-x")
        .containsEntry("Workload", "web")
        .containsEntry("RemotePod", "db-0")
        .containsEntry("Direction", "tx")
        .containsEntry("Port", "5432")
        .doesNotContainKey("_aws");
  }

  /**
   * A pod pair's TCP health rides on its tx PodFlow event as the interval's deltas: 4 then 6
   * retransmitted segments, and RTT samples of 50 ms then 25 ms on average (10 samples summing to
   * 0.5 s, then 5 more adding 0.125 s).
   */
  @Test
  void podFlowEventsCarryTheIntervalsRetransmitsAndMeanRtt() throws Exception {
    CloudWatchBridge bridge = defaultBridge();
    snapshots.publishFlows(clock.instant(), 1000);
    snapshots.publishTcp(clock.instant(), 4, 1, 2, 10, 0.5);
    bridge.interval();
    clock.advance(Duration.ofSeconds(60));
    snapshots.publishFlows(clock.instant(), 1500);
    snapshots.publishTcp(clock.instant(), 10, 1, 3, 15, 0.625);
    bridge.interval();

    List<Map<String, Object>> flowEvents = events("PodFlow");
    assertThat(flowEvents).hasSize(2);
    assertThat(flowEvents)
        .allSatisfy(
            e -> assertThat(e).containsEntry("Direction", "tx").containsEntry("RemotePod", "db-0"));
    assertThat(flowEvents)
        .extracting(
            e -> ((Number) e.get("pod_flow_bytes")).doubleValue(),
            e -> ((Number) e.get("pod_flow_tcp_retransmitted_segments")).doubleValue(),
            e -> ((Number) e.get("pod_flow_tcp_timeouts")).doubleValue(),
            e -> ((Number) e.get("pod_flow_tcp_connections_failed")).doubleValue(),
            e -> ((Number) e.get("pod_flow_tcp_rtt_samples")).doubleValue(),
            e -> ((Number) e.get("pod_flow_tcp_rtt_seconds")).doubleValue())
        .containsExactly(
            tuple(1000.0, 4.0, 1.0, 2.0, 10.0, 0.05), tuple(500.0, 6.0, 0.0, 1.0, 5.0, 0.025));
  }

  @Test
  @SuppressWarnings("unchecked")
  void gaugesSharingADimensionSetGoOutAsAStatisticSet() throws Exception {
    CloudWatchBridge bridge =
        bridge(
            aws.settings(
                List.of(
                    new Declarations.Declaration(
                        "nodescope_pod_memory_working_set_bytes",
                        "pod_memory",
                        "Bytes",
                        List.of(List.of("ClusterName"), List.of("ClusterName", "pod"))))));
    dev.nodescope.collectors.pods.PodsCollectorFactory pods =
        new dev.nodescope.collectors.pods.PodsCollectorFactory();
    dev.nodescope.collectors.core.SnapshotBuilder out =
        new dev.nodescope.collectors.core.SnapshotBuilder("pods", pods.descriptors());
    double[] workingSets = {1e9, 3e9, 2e9};
    for (int i = 0; i < workingSets.length; i++) {
      out.add(
          NodeSnapshots.descriptor(pods, "nodescope_pod_memory_working_set_bytes"),
          workingSets[i],
          "ns",
          "p" + i,
          "uid-" + i);
    }
    registry.publish(out.build(Clock.fixed(T0, ZoneOffset.UTC)));
    bridge.interval();

    Map<String, Object> cluster = aws.datums("pod_memory", Map.of("ClusterName", "c1")).get(0);
    assertThat(cluster).doesNotContainKey("Value");
    Map<String, Number> statistics = (Map<String, Number>) cluster.get("StatisticValues");
    Map<String, Double> values = new java.util.HashMap<>();
    statistics.forEach((name, value) -> values.put(name, value.doubleValue()));
    assertThat(values)
        .isEqualTo(Map.of("SampleCount", 3.0, "Sum", 6e9, "Minimum", 1e9, "Maximum", 3e9));
    assertThat(aws.datums("pod_memory", Map.of("ClusterName", "c1", "pod", "p1")))
        .extracting(d -> ((Number) d.get("Value")).doubleValue())
        .containsExactly(3e9);
  }

  @Test
  void callsStayWithinPutMetricDataAndPutLogEventsLimitsAndLoseNothing() throws Exception {
    List<Declarations.Declaration> perFlow =
        List.of(
            new Declarations.Declaration(
                "nodescope_flow_bytes_total",
                "flow_bytes",
                "Bytes",
                List.of(
                    List.of("ClusterName", "NodeName", "namespace", "pod", "remote_pod", "port"))));
    CloudWatchBridge bridge = bridge(aws.settings(perFlow));
    double[] bytes = new double[2_500];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = i + 1;
    }
    snapshots.publishFlows(T0, bytes);
    bridge.interval();

    assertThat(aws.metricCalls()).hasSize(3);
    assertThat(aws.metricCalls())
        .allSatisfy(
            call -> assertThat((List<?>) call.get("MetricData")).hasSizeLessThanOrEqualTo(1000));
    assertThat(aws.metricBodySizes())
        .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(1_048_576));
    assertThat(aws.datums()).hasSize(2_500);
    assertThat(
            aws.datums().stream().mapToDouble(d -> ((Number) d.get("Value")).doubleValue()).sum())
        .isEqualTo(2_500.0 * 2_501 / 2);
    assertThat(aws.datums()).allSatisfy(d -> assertThat((List<?>) d.get("Dimensions")).hasSize(6));
    assertThat(events("PodFlow")).hasSize(2_500);
    assertThat(aws.logCalls())
        .allSatisfy(
            call -> assertThat((List<?>) call.get("logEvents")).hasSizeLessThanOrEqualTo(10_000));
  }

  @Test
  void throttlingAndServerErrorsAreRetriedWithBackoffAndNoValueIsLost() throws Exception {
    CloudWatchBridge control = bridge(aws.settings(Declarations.defaults()));
    snapshots.publishNode(0, T0);
    snapshots.publishFlows(T0, 1000);
    control.interval();
    int expectedDatums = aws.datums().size();
    int expectedEvents = aws.events().size();
    assertThat(expectedDatums).isPositive();

    FakeCloudWatch flaky = new FakeCloudWatch();
    try {
      CloudWatchBridge bridge = bridge(flaky.settings(Declarations.defaults()));
      flaky.failMetricCalls(
          Failure.THROTTLING_400, Failure.TOO_MANY_REQUESTS_429, Failure.SERVER_ERROR_500);
      flaky.failLogCalls(
          Failure.THROTTLING_400, Failure.TOO_MANY_REQUESTS_429, Failure.SERVER_ERROR_500);
      bridge.interval();

      assertThat(flaky.datums()).hasSize(expectedDatums);
      assertThat(flaky.datums()).isEqualTo(stripTimestamps(aws.datums(), flaky.datums()));
      assertThat(flaky.events()).hasSize(expectedEvents);
      assertThat(flaky.operations())
          .containsSubsequence(
              "PutMetricData:THROTTLING_400",
              "PutMetricData:TOO_MANY_REQUESTS_429",
              "PutMetricData:SERVER_ERROR_500",
              "PutMetricData");
      BridgeMetrics metrics = metricsOf(bridge);
      String api = BridgeMetrics.PUT_METRIC_DATA;
      assertThat(metrics.value(BridgeMetrics.REQUESTS, api, "throttled")).isEqualTo(2);
      assertThat(metrics.value(BridgeMetrics.REQUESTS, api, "server_error")).isEqualTo(1);
      assertThat(metrics.value(BridgeMetrics.RETRIED, api)).isEqualTo(3L * expectedDatums);
      assertThat(metrics.value(BridgeMetrics.SENT, api)).isEqualTo(expectedDatums);
      assertThat(metrics.value(BridgeMetrics.SENT, BridgeMetrics.PUT_LOG_EVENTS))
          .isEqualTo(expectedEvents);
      assertThat(
              metrics.value(
                  BridgeMetrics.REQUESTS, BridgeMetrics.PUT_LOG_EVENTS, "missing_resource"))
          .isEqualTo(1);
      assertThat(
              metrics.value(BridgeMetrics.DROPPED, api, "rejected")
                  + metrics.value(BridgeMetrics.DROPPED, BridgeMetrics.PUT_LOG_EVENTS, "rejected"))
          .isZero();
      // Exponential backoff with full jitter from 2 s for throttling and 5xx: at most four retries
      // per API here
      // (the missing log stream first), so no wait above 2 s * 2^3.
      assertThat(sleeps)
          .isNotEmpty()
          .allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(16)));
    } finally {
      flaky.close();
    }
  }

  /**
   * The control's datums with the flaky run's timestamps (the two runs differ only in when they
   * sent).
   */
  private static List<Map<String, Object>> stripTimestamps(
      List<Map<String, Object>> control, List<Map<String, Object>> flaky) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (int i = 0; i < control.size(); i++) {
      Map<String, Object> datum = new java.util.LinkedHashMap<>(control.get(i));
      datum.put("Timestamp", flaky.get(i).get("Timestamp"));
      result.add(datum);
    }
    return result;
  }

  /**
   * 30 events an interval into a buffer of 70 with a 2-minute retry deadline: the third interval
   * overflows the buffer, and by then the first interval's events are past the deadline (an
   * interval lasts 60 to 120 s of the test clock: up to 60 s of retries, then the test's own
   * minute).
   */
  @Test
  void anOutageFillsTheBufferThenDropsOldestAndExpiredValuesCountingEachOne() throws Exception {
    int flowSeries = 30;
    CloudWatchBridge bridge =
        bridge(aws.settings(Declarations.defaults(), 70, Duration.ofMinutes(2)));
    pods = List.of();
    CapturedLogs dropLogs = CapturedLogs.of(BridgeMetrics.class);
    aws.outage(true);
    double[] bytes = new double[flowSeries];
    java.util.Arrays.fill(bytes, 10);
    for (int interval = 0; interval < 5; interval++) {
      snapshots.publishFlows(clock.instant(), bytes);
      bridge.interval();
      clock.advance(Duration.ofSeconds(60));
    }
    BridgeMetrics metrics = metricsOf(bridge);
    String logs = BridgeMetrics.PUT_LOG_EVENTS;
    long produced = 5L * flowSeries;
    assertThat(aws.events()).isEmpty();
    assertThat(metrics.value(BridgeMetrics.DROPPED, logs, "buffer_full")).isPositive();
    assertThat(metrics.value(BridgeMetrics.DROPPED, logs, "expired")).isPositive();
    assertThat(metrics.value(BridgeMetrics.REQUESTS, logs, "server_error")).isPositive();
    long buffered = registryValue("nodescope_cloudwatch_buffered_values", logs);
    assertThat(buffered).isLessThanOrEqualTo(70);
    assertThat(
            metrics.value(BridgeMetrics.DROPPED, logs, "buffer_full")
                + metrics.value(BridgeMetrics.DROPPED, logs, "expired")
                + buffered)
        .isEqualTo(produced);

    dropLogs.close();
    List<String> warnings = dropLogs.messages();
    // One line per API and reason at the first drop, then at most one a minute (the test clock
    // moved 5+ minutes).
    assertThat(warnings)
        .anyMatch(
            line ->
                line.startsWith("cloudwatch: dropped")
                    && line.contains("put_log_events")
                    && line.contains("buffer_full"));
    assertThat(
            warnings.stream()
                .filter(line -> line.contains("put_log_events") && line.contains("buffer_full")))
        .hasSizeBetween(1, 5);

    aws.outage(false);
    snapshots.publishFlows(clock.instant(), bytes);
    bridge.interval();
    long sent = metrics.value(BridgeMetrics.SENT, logs);
    // The fresh events and what the buffer held that was still within the deadline.
    assertThat(sent).isEqualTo(aws.events().size()).isGreaterThan(flowSeries);
    assertThat(registryValue("nodescope_cloudwatch_buffered_values", logs)).isZero();
    assertThat(
            sent
                + metrics.value(BridgeMetrics.DROPPED, logs, "buffer_full")
                + metrics.value(BridgeMetrics.DROPPED, logs, "expired"))
        .isEqualTo(produced + flowSeries);
  }

  @Test
  void valuesCloudWatchRefusesAreDroppedAndCountedNotRetried() throws Exception {
    CloudWatchBridge bridge = defaultBridge();
    snapshots.publishNode(0, T0);
    aws.failMetricCalls(Failure.VALIDATION_400);
    bridge.interval();

    BridgeMetrics metrics = metricsOf(bridge);
    long rejected = metrics.value(BridgeMetrics.DROPPED, BridgeMetrics.PUT_METRIC_DATA, "rejected");
    assertThat(rejected).isPositive();
    assertThat(metrics.value(BridgeMetrics.RETRIED, BridgeMetrics.PUT_METRIC_DATA)).isZero();
    assertThat(aws.datums()).isEmpty();
    assertThat(
            registryValue(
                "nodescope_cloudwatch_values_dropped_total",
                BridgeMetrics.PUT_METRIC_DATA,
                "rejected"))
        .isEqualTo(rejected);
  }

  private BridgeMetrics metricsOf(CloudWatchBridge bridge) {
    return bridge.metrics();
  }

  private long registryValue(String metric, String... labels) {
    MetricFamily family = registry.latest(BridgeMetrics.COLLECTOR).families().get(metric);
    return family == null
        ? 0
        : (long)
            family.samples().stream()
                .filter(s -> s.labelValues().equals(List.of(labels)))
                .mapToDouble(Sample::value)
                .sum();
  }
}
