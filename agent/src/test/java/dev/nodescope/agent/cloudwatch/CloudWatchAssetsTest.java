package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nodescope.agent.deploy.AutoscalingRecipes;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.SnapshotRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped CloudWatch dashboards (dashboards/cloudwatch) and alarms (alerts/cloudwatch) may only
 * name metrics, dimension sets, event types and fields that the bridge really sends. The truth is
 * what arrives on the wire at the fake CloudWatch when the bridge runs on a node with every kind of
 * entity (node, pods, flows, a GPU, Neuron cores), not a list kept by hand.
 */
class CloudWatchAssetsTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern SEARCH =
      Pattern.compile("SEARCH\\('\\{([^}]*)\\}\\s+MetricName=\"([^\"]+)\"");
  private static final Pattern SELECT =
      Pattern.compile("SELECT\\s+\\w+\\((\\w+)\\)\\s+FROM\\s+SCHEMA\\(\"([^\"]+)\",\\s*([^)]*)\\)");
  private static final Pattern TYPE = Pattern.compile("Type\\s*=\\s*\"(\\w+)\"");
  private static final Pattern AGGREGATED =
      Pattern.compile("\\b(?:sum|avg|max|min|count|pct)\\((\\w+)");
  private static final Pattern BY = Pattern.compile("\\bby\\s+([\\w\\s,]+?)\\s*(?:\\||$)");
  private static final Pattern COMPARED =
      Pattern.compile("(?:filter|and|or)\\s+(\\w+)\\s*(?:=|!=|<|>|like)");

  /**
   * A CloudWatch metric: namespace, name and one dimension set (order does not matter to
   * CloudWatch).
   */
  record MetricRef(String namespace, String name, Set<String> dimensions) {}

  private static final Set<MetricRef> EMITTED = new HashSet<>();
  private static final Map<String, Set<String>> FIELDS_BY_TYPE = new HashMap<>();
  private static final List<Map<String, Object>> EVENTS = new ArrayList<>();
  private static FakeCloudWatch aws;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void runTheBridgeOnAFullNode() throws Exception {
    aws = new FakeCloudWatch();
    SnapshotRegistry registry = new SnapshotRegistry();
    NodeSnapshots snapshots = new NodeSnapshots(registry);
    PodDirectory pods = () -> List.of(NodeSnapshots.WEB);
    Instant t0 = Instant.parse("2026-11-23T12:00:00Z");
    CloudWatchBridge bridge =
        new CloudWatchBridge(
            aws.settings(Declarations.defaults()),
            registry,
            pods,
            "node-1",
            NodeSnapshots.instance(),
            Clock.fixed(t0, ZoneOffset.UTC),
            duration -> {});
    try {
      for (int step = 0; step < 2; step++) {
        Instant at = t0.plusSeconds(15L * step);
        snapshots.publishNode(step, at);
        snapshots.publishFlows(at, 1000 * (step + 1));
        snapshots.publishTcp(at, 3L * step, step, step, 10L * (step + 1), 0.05 * (step + 1));
        snapshots.publishGpu(at);
        snapshots.publishNeuron(at);
        bridge.interval();
      }
    } finally {
      bridge.close();
    }
    EVENTS.addAll(aws.events());
    for (Map<String, Object> event : EVENTS) {
      FIELDS_BY_TYPE
          .computeIfAbsent((String) event.get("Type"), t -> new TreeSet<>())
          .addAll(event.keySet());
      if (event.containsKey("_aws")) {
        EmfValidity.assertValid(event);
        Map<String, Object> directive = (Map<String, Object>) event.get("_aws");
        for (Map<String, Object> group :
            (List<Map<String, Object>>) directive.get("CloudWatchMetrics")) {
          for (List<String> set : (List<List<String>>) group.get("Dimensions")) {
            for (String name : EmfValidity.metricNames(event)) {
              EMITTED.add(new MetricRef((String) group.get("Namespace"), name, Set.copyOf(set)));
            }
          }
        }
      }
    }
    for (Map<String, Object> call : aws.metricCalls()) {
      for (Map<String, Object> datum : (List<Map<String, Object>>) call.get("MetricData")) {
        Set<String> dimensions = new HashSet<>();
        ((List<Map<String, Object>>) datum.get("Dimensions"))
            .forEach(d -> dimensions.add((String) d.get("Name")));
        EMITTED.add(
            new MetricRef(
                (String) call.get("Namespace"), (String) datum.get("MetricName"), dimensions));
      }
    }
  }

  @AfterAll
  static void stop() {
    aws.close();
  }

  private static Map<String, Object> first(String type) {
    return EVENTS.stream()
        .filter(e -> type.equals(e.get("Type")))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no " + type + " event among " + FIELDS_BY_TYPE.keySet()));
  }

  @Test
  void gpuAndNeuronEventsCarryValuesWorkedOutFromTheirSources() {
    assertThat(first("NodeGPU"))
        .containsEntry("GpuDevice", "nvidia0")
        .containsEntry("node_gpu_utilization", 87)
        .containsEntry("node_gpu_memory_utilization", 37.5)
        .containsEntry("node_gpu_memory_total", 85899345920L)
        .containsEntry("node_gpu_power_draw", 250)
        .containsEntry("node_gpu_temperature", 70)
        // The whole GPU's activity, not its MIG instance's (12.5% tensor).
        .containsEntry("node_gpu_tensor_core_utilization", 37.5)
        .containsEntry("node_gpu_graphics_engine_utilization", 87.5)
        .containsEntry("node_gpu_sm_utilization", 75)
        .containsEntry("node_gpu_sm_occupancy", 50)
        .containsEntry("node_gpu_dram_utilization", 25)
        .containsEntry("node_gpu_pcie_tx_bytes", 1048576)
        .containsEntry("node_gpu_pcie_rx_bytes", 2097152);
    // Tensor-core utilization is a Container Insights metric; the other ratios are log fields only.
    assertThat(EmfValidity.metricNames(first("NodeGPU")))
        .contains("node_gpu_tensor_core_utilization")
        .doesNotContain(
            "node_gpu_sm_utilization",
            "node_gpu_sm_occupancy",
            "node_gpu_graphics_engine_utilization",
            "node_gpu_dram_utilization",
            "node_gpu_pcie_tx_bytes",
            "node_gpu_pcie_rx_bytes");
    assertThat(first("PodGPU"))
        .containsEntry("PodName", "web")
        .containsEntry("Namespace", "shop")
        .containsEntry("pod_gpu_utilization", 87)
        .containsEntry("pod_gpu_tensor_core_utilization", 37.5);
    assertThat(first("ContainerGPU"))
        .containsEntry("ContainerName", "app")
        .containsEntry("container_gpu_utilization", 87)
        .containsEntry("container_gpu_sm_utilization", 75);
    Map<String, Object> core3 =
        EVENTS.stream()
            .filter(e -> "NodeNeuronCore".equals(e.get("Type")))
            .filter(e -> "3".equals(e.get("NeuronCore")))
            .findFirst()
            .orElseThrow();
    assertThat(core3)
        .containsEntry("NeuronDevice", "1")
        .containsEntry("node_neuroncore_utilization", 50)
        .containsEntry("node_neuroncore_memory_usage_total", 1200000000);
    assertThat(
            EVENTS.stream()
                .filter(e -> "PodNeuronCore".equals(e.get("Type")))
                .map(e -> e.get("NeuronCore"))
                .distinct())
        .containsExactly("3");
    // Counters per interval: everything so far in the first, nothing new in the second.
    assertThat(
            EVENTS.stream()
                .filter(e -> "NodeNeuronDevice".equals(e.get("Type")))
                .map(e -> e.get("node_neurondevice_hw_ecc_events_total")))
        .containsExactly(2, 0);
    assertThat(
            EVENTS.stream()
                .filter(e -> "NodeNeuron".equals(e.get("Type")))
                .map(e -> e.get("node_neuron_execution_errors_total")))
        .containsExactly(4, 0);
    assertThat(first("NodeNeuron"))
        .containsEntry("node_neuron_execution_latency", 0.012)
        .containsEntry("node_neurondevice_runtime_memory_used_bytes", 3000000000L);
  }

  @Test
  void dashboardsReferenceOnlyWhatTheBridgeSends() throws IOException {
    List<Path> dashboards;
    try (Stream<Path> files = Files.list(ROOT.resolve("dashboards/cloudwatch"))) {
      dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(dashboards)
        .extracting(p -> p.getFileName().toString())
        .contains("nodes.json", "pods.json", "flows.json", "gpu.json", "neuron.json");
    for (Path dashboard : dashboards) {
      JsonNode body = new ObjectMapper().readTree(dashboard.toFile());
      assertThat(dashboardProblems(body)).as(dashboard.toString()).isEmpty();
    }
  }

  @Test
  void alarmsReferenceOnlyWhatTheBridgeSends() throws IOException {
    JsonNode template =
        new ObjectMapper()
            .readTree(ROOT.resolve("alerts/cloudwatch/nodescope-alarms.json").toFile());
    List<String> problems = new ArrayList<>();
    int alarms = 0;
    for (JsonNode resource : template.get("Resources")) {
      assertThat(resource.get("Type").asText()).isEqualTo("AWS::CloudWatch::Alarm");
      alarms++;
      JsonNode properties = resource.get("Properties");
      if (properties.has("Metrics")) {
        for (JsonNode query : properties.get("Metrics")) {
          checkExpression(query.get("Expression").get("Fn::Sub").asText(), problems);
        }
      } else {
        Set<String> dimensions = new HashSet<>();
        properties.get("Dimensions").forEach(d -> dimensions.add(d.get("Name").asText()));
        check(
            new MetricRef(
                properties.get("Namespace").asText(),
                properties.get("MetricName").asText(),
                dimensions),
            problems);
      }
    }
    assertThat(alarms).isGreaterThanOrEqualTo(8);
    assertThat(problems).isEmpty();
  }

  /**
   * The CloudWatch scaling recipe (KEDA aws-cloudwatch triggers of examples/autoscaling/keda) reads
   * a metric and dimension set the bridge sends, with one value per dimension, and the PodName it
   * asks for is the Deployment it scales (Container Insights names a Deployment's pods after it).
   */
  @Test
  @SuppressWarnings("unchecked")
  void autoscalingRecipesScaleOnWhatTheBridgeSends() throws IOException {
    List<String> problems = new ArrayList<>();
    int triggers = 0;
    for (Map<String, Object> object : AutoscalingRecipes.kedaObjects()) {
      if (!"ScaledObject".equals(object.get("kind"))) {
        continue;
      }
      Map<String, Object> spec = (Map<String, Object>) object.get("spec");
      for (Map<String, Object> trigger : (List<Map<String, Object>>) spec.get("triggers")) {
        if (!"aws-cloudwatch".equals(trigger.get("type"))) {
          continue;
        }
        triggers++;
        Map<String, String> metadata = (Map<String, String>) trigger.get("metadata");
        List<String> names = List.of(metadata.get("dimensionName").split(";"));
        List<String> values = List.of(metadata.get("dimensionValue").split(";"));
        assertThat(values).hasSameSizeAs(names);
        assertThat(values.get(names.indexOf("PodName")))
            .isEqualTo(((Map<String, Object>) spec.get("scaleTargetRef")).get("name"));
        check(
            new MetricRef(metadata.get("namespace"), metadata.get("metricName"), Set.copyOf(names)),
            problems);
      }
    }
    assertThat(triggers).isPositive();
    assertThat(problems).isEmpty();
  }

  @Test
  void theCheckCatchesAMisspeltMetricADimensionSetNeverSentAndAnUnknownField() throws IOException {
    JsonNode wrong =
        new ObjectMapper()
            .readTree(
                """
        {"widgets": [
          {"type": "metric", "properties": {"metrics": [["ContainerInsights", "node_cpu_utilisation",
            "ClusterName", "c"]]}},
          {"type": "metric", "properties": {"metrics": [[{"expression":
            "SEARCH('{ContainerInsights,ClusterName,PodName} MetricName=\\"pod_cpu_utilization\\"', 'Average', 60)",
            "id": "e1"}]]}},
          {"type": "log", "properties": {"query":
            "SOURCE 'g' | filter Type = \\"Pod\\" | stats max(pod_cpu_utilization) by PodUid"}}]}
        """);
    assertThat(dashboardProblems(wrong)).hasSize(3);
  }

  private static List<String> dashboardProblems(JsonNode body) {
    List<String> problems = new ArrayList<>();
    for (JsonNode widget : body.get("widgets")) {
      JsonNode properties = widget.get("properties");
      if (widget.get("type").asText().equals("metric")) {
        for (JsonNode metric : properties.get("metrics")) {
          if (metric.get(0).isObject()) {
            checkExpression(metric.get(0).get("expression").asText(), problems);
          } else {
            Set<String> dimensions = new HashSet<>();
            for (int i = 2; i + 1 < metric.size(); i += 2) {
              dimensions.add(metric.get(i).asText());
            }
            check(
                new MetricRef(metric.get(0).asText(), metric.get(1).asText(), dimensions),
                problems);
          }
        }
      } else if (widget.get("type").asText().equals("log")) {
        checkQuery(properties.get("query").asText(), problems);
      }
    }
    return problems;
  }

  private static void checkExpression(String expression, List<String> problems) {
    Matcher search = SEARCH.matcher(expression);
    Matcher select = SELECT.matcher(expression);
    if (search.find()) {
      List<String> schema = List.of(search.group(1).split(","));
      check(
          new MetricRef(
              schema.get(0).trim(),
              search.group(2),
              Set.copyOf(schema.subList(1, schema.size()).stream().map(String::trim).toList())),
          problems);
    } else if (select.find()) {
      check(
          new MetricRef(
              select.group(2),
              select.group(1),
              Set.copyOf(List.of(select.group(3).split(",")).stream().map(String::trim).toList())),
          problems);
    } else {
      problems.add("expression neither SEARCH nor SELECT ... FROM SCHEMA: " + expression);
    }
  }

  private static void check(MetricRef reference, List<String> problems) {
    if (!EMITTED.contains(reference)) {
      problems.add("not sent by the bridge: " + reference);
    }
  }

  private static void checkQuery(String query, List<String> problems) {
    Matcher types = TYPE.matcher(query);
    Set<String> fields = new HashSet<>();
    boolean anyType = false;
    while (types.find()) {
      anyType = true;
      Set<String> known = FIELDS_BY_TYPE.get(types.group(1));
      if (known == null) {
        problems.add("no events of Type " + types.group(1) + ": " + query);
      } else {
        fields.addAll(known);
      }
    }
    if (!anyType) {
      problems.add("query does not filter on Type: " + query);
      return;
    }
    List<String> used = new ArrayList<>();
    Matcher aggregated = AGGREGATED.matcher(query);
    while (aggregated.find()) {
      used.add(aggregated.group(1));
    }
    Matcher by = BY.matcher(query);
    while (by.find()) {
      for (String name : by.group(1).split(",", -1)) {
        used.add(name.trim());
      }
    }
    Matcher compared = COMPARED.matcher(query);
    while (compared.find()) {
      used.add(compared.group(1));
    }
    for (String name : used) {
      if (!name.isEmpty() && !fields.contains(name)) {
        problems.add("field " + name + " not in the events queried: " + query);
      }
    }
  }
}
