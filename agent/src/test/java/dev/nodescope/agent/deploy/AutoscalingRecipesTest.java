package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.it.Processes;
import dev.nodescope.collectors.testing.Capabilities;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The recipes of examples/autoscaling, checked without a cluster: promtool accepts the recording
 * rules and their unit tests pass; every series a rule reads is one the agent exports; the
 * Kubernetes objects parse into fabric8's typed model with no field it does not know; the KEDA
 * objects hold only fields of KEDA's CRDs and trigger parameters of their scalers; and every
 * scaling query treats an empty result as an error. (That each query returns data from a running
 * agent is {@code AutoscalingQueriesIT}'s part.)
 */
class AutoscalingRecipesTest {
  private static final Duration PROMTOOL_LIMIT = Duration.ofSeconds(60);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The tcp collector's series the rules read (issue 12's names, labelled as the flow series). */
  private static final Set<String> TCP_SERIES =
      Set.of(
          "nodescope_tcp_rtt_seconds",
          "nodescope_tcp_retransmitted_segments_total",
          "nodescope_tcp_connections_failed_total");

  /** A field holding any scalar. */
  private static final String SCALAR = "scalar";

  /** A field holding an integer. */
  private static final String INTEGER = "integer";

  /** A string-to-string map (KEDA's trigger metadata). */
  private static final String STRING_MAP = "map of strings";

  /** A Kubernetes ObjectMeta. */
  private static final String OBJECT_META = "ObjectMeta";

  /** An autoscaling/v2 HorizontalPodAutoscalerBehavior, checked with fabric8's model. */
  private static final String HPA_BEHAVIOR = "HorizontalPodAutoscalerBehavior";

  /**
   * The fields of KEDA's ScaledObject CRD (keda.sh/v1alpha1) that a ScaledObject may set: a map is
   * an object with these fields only, a one-element list an array of such objects.
   */
  static final Map<String, Object> SCALED_OBJECT =
      Map.of(
          "apiVersion", SCALAR,
          "kind", SCALAR,
          "metadata", OBJECT_META,
          "spec",
              Map.ofEntries(
                  Map.entry(
                      "scaleTargetRef",
                      Map.of(
                          "apiVersion", SCALAR,
                          "kind", SCALAR,
                          "name", SCALAR,
                          "envSourceContainerName", SCALAR)),
                  Map.entry("pollingInterval", INTEGER),
                  Map.entry("cooldownPeriod", INTEGER),
                  Map.entry("initialCooldownPeriod", INTEGER),
                  Map.entry("idleReplicaCount", INTEGER),
                  Map.entry("minReplicaCount", INTEGER),
                  Map.entry("maxReplicaCount", INTEGER),
                  Map.entry(
                      "fallback",
                      Map.of("failureThreshold", INTEGER, "replicas", INTEGER, "behavior", SCALAR)),
                  Map.entry(
                      "advanced",
                      Map.of(
                          "restoreToOriginalReplicaCount", SCALAR,
                          "horizontalPodAutoscalerConfig",
                              Map.of("name", SCALAR, "behavior", HPA_BEHAVIOR),
                          "scalingModifiers",
                              Map.of(
                                  "formula", SCALAR,
                                  "target", SCALAR,
                                  "activationTarget", SCALAR,
                                  "metricType", SCALAR))),
                  Map.entry(
                      "triggers",
                      List.of(
                          Map.of(
                              "type", SCALAR,
                              "name", SCALAR,
                              "metadata", STRING_MAP,
                              "authenticationRef", Map.of("name", SCALAR, "kind", SCALAR),
                              "metricType", SCALAR,
                              "useCachedMetrics", SCALAR)))));

  /** The fields of KEDA's TriggerAuthentication CRD used for pod identity and secrets. */
  static final Map<String, Object> TRIGGER_AUTHENTICATION =
      Map.of(
          "apiVersion", SCALAR,
          "kind", SCALAR,
          "metadata", OBJECT_META,
          "spec",
              Map.of(
                  "podIdentity",
                      Map.of(
                          "provider", SCALAR,
                          "identityId", SCALAR,
                          "roleArn", SCALAR,
                          "identityOwner", SCALAR),
                  "secretTargetRef",
                      List.of(Map.of("parameter", SCALAR, "name", SCALAR, "key", SCALAR)),
                  "env",
                      List.of(Map.of("parameter", SCALAR, "name", SCALAR, "containerName", SCALAR)),
                  "configMapTargetRef",
                      List.of(Map.of("parameter", SCALAR, "name", SCALAR, "key", SCALAR))));

  /** Trigger metadata each scaler reads (KEDA's scaler documentation), required ones first. */
  static final Map<String, List<String>> TRIGGER_PARAMETERS =
      Map.of(
          "prometheus",
          List.of(
              "serverAddress",
              "query",
              "threshold",
              "activationThreshold",
              "queryParameters",
              "namespace",
              "customHeaders",
              "ignoreNullValues",
              "unsafeSsl",
              "timeout",
              "authModes"),
          "aws-cloudwatch",
          List.of(
              "awsRegion",
              "targetMetricValue",
              "namespace",
              "metricName",
              "dimensionName",
              "dimensionValue",
              "expression",
              "activationTargetMetricValue",
              "minMetricValue",
              "ignoreNullValues",
              "awsAccountId",
              "awsEndpoint",
              "identityOwner",
              "metricCollectionTime",
              "metricStat",
              "metricStatPeriod",
              "metricUnit",
              "metricEndTimeOffset",
              "awsAccessKeyIDFromEnv",
              "awsSecretAccessKeyFromEnv"));

  private static final Map<String, Integer> REQUIRED_PARAMETERS =
      Map.of("prometheus", 3, "aws-cloudwatch", 2);

  @Test
  void promtoolChecksTheRecordingRules() throws Exception {
    assertThat(promtool("check", AutoscalingRecipes.RULES.toString()))
        .contains("SUCCESS: 15 rules found");
  }

  @Test
  void promtoolUnitTestsOfTheRecordingRulesPass() throws Exception {
    assertThat(promtool("test", AutoscalingRecipes.RULE_TESTS.toString()))
        .contains("SUCCESS")
        .doesNotContain("FAILED");
  }

  /** Runs `promtool {verb} rules {file}`, requires it to succeed and returns its output. */
  private static String promtool(String verb, String file) throws Exception {
    Capabilities.requireCommand("promtool");
    Processes.Result result =
        Processes.run(List.of("promtool", verb, "rules", file), new byte[0], PROMTOOL_LIMIT);
    assertThat(result.exitCode()).as(result.output()).isZero();
    return result.output();
  }

  @Test
  @SuppressWarnings("unchecked")
  void unitTestsAssertEveryRecordedSeries() throws IOException {
    Set<String> asserted = new TreeSet<>();
    Map<String, Object> file = AutoscalingRecipes.documents(AutoscalingRecipes.RULE_TESTS).get(0);
    for (Map<String, Object> test : (List<Map<String, Object>>) file.get("tests")) {
      for (Map<String, Object> check : (List<Map<String, Object>>) test.get("promql_expr_test")) {
        asserted.addAll(PromQl.metricNames((String) check.get("expr")));
      }
    }
    assertThat(asserted).containsAll(AutoscalingRecipes.recordingRules().keySet());
  }

  /**
   * Rules read only series the agent exports, or recorded by an earlier rule. The tcp collector's
   * names are held to the same check as soon as the agent declares any nodescope_tcp_ metric.
   */
  @Test
  void rulesReadOnlyExportedSeries() throws IOException {
    Set<String> usable = new TreeSet<>(ExportedNames.usableMetrics());
    if (usable.stream().noneMatch(name -> name.startsWith("nodescope_tcp_"))) {
      usable.addAll(TCP_SERIES);
    }
    Map<String, String> rules = AutoscalingRecipes.recordingRules();
    Set<String> recorded = new TreeSet<>();
    for (Map.Entry<String, String> rule : rules.entrySet()) {
      for (String name : PromQl.metricNames(rule.getValue())) {
        if (name.contains(":")) {
          assertThat(recorded).as("recorded before %s", rule.getKey()).contains(name);
        } else {
          assertThat(usable.contains(name) || usable.contains(family(name)))
              .as("%s, read by %s, is exported", name, rule.getKey())
              .isTrue();
        }
      }
      recorded.add(rule.getKey());
    }
  }

  @Test
  void kubernetesObjectsParseIntoTheTypedModelWithNoUnknownField() throws Exception {
    List<HasMetadata> workloads = typed(AutoscalingRecipes.WORKLOADS);
    assertThat(workloads)
        .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactly(
            "Deployment/llm-gpu", "Service/llm-gpu", "Deployment/llm-neuron", "Service/llm-neuron");
    List<HasMetadata> autoscalers = typed(AutoscalingRecipes.ADAPTER_HPAS);
    assertThat(autoscalers).hasSize(2).allMatch(HorizontalPodAutoscaler.class::isInstance);
    List<String> unknown = new ArrayList<>();
    for (HasMetadata object : concat(workloads, autoscalers)) {
      HelmChartTest.collectUnknownFields(
          object, object.getKind() + "/" + object.getMetadata().getName(), unknown);
    }
    assertThat(unknown).isEmpty();

    Set<String> deployments = names(workloads, Deployment.class);
    Set<String> services = names(workloads, Service.class);
    Set<String> adapterMetrics =
        AutoscalingRecipes.adapterRules().stream()
            .map(AutoscalingRecipes::adapterMetric)
            .collect(Collectors.toSet());
    for (HasMetadata object : autoscalers) {
      HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) object;
      assertThat(deployments).contains(hpa.getSpec().getScaleTargetRef().getName());
      for (MetricSpec metric : hpa.getSpec().getMetrics()) {
        if (metric.getType().equals("Pods")) {
          assertThat(adapterMetrics).contains(metric.getPods().getMetric().getName());
        } else {
          assertThat(metric.getType()).isEqualTo("Object");
          assertThat(metric.getObject().getDescribedObject().getKind()).isEqualTo("Service");
          assertThat(services).contains(metric.getObject().getDescribedObject().getName());
          assertThat(adapterMetrics).contains(metric.getObject().getMetric().getName());
        }
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void kedaObjectsHoldOnlyFieldsOfTheirCrdsAndScaleDeploymentsOfTheExample() throws Exception {
    Set<String> deployments = names(typed(AutoscalingRecipes.WORKLOADS), Deployment.class);
    List<Map<String, Object>> objects = AutoscalingRecipes.kedaObjects();
    assertThat(objects)
        .extracting(o -> (String) o.get("kind"))
        .contains("ScaledObject", "TriggerAuthentication");
    Set<String> authentications = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    for (Map<String, Object> object : objects) {
      assertThat(object.get("apiVersion")).isEqualTo("keda.sh/v1alpha1");
      String where =
          object.get("kind") + "/" + ((Map<String, Object>) object.get("metadata")).get("name");
      if ("TriggerAuthentication".equals(object.get("kind"))) {
        problems.addAll(kedaProblems(object, TRIGGER_AUTHENTICATION, where));
        authentications.add((String) ((Map<String, Object>) object.get("metadata")).get("name"));
      } else {
        assertThat(object.get("kind")).isEqualTo("ScaledObject");
        problems.addAll(kedaProblems(object, SCALED_OBJECT, where));
        Map<String, Object> target =
            (Map<String, Object>) ((Map<String, Object>) object.get("spec")).get("scaleTargetRef");
        assertThat(target.get("kind")).isEqualTo("Deployment");
        assertThat(deployments).contains((String) target.get("name"));
      }
    }
    assertThat(problems).isEmpty();
    for (Map<String, Object> trigger : AutoscalingRecipes.kedaTriggers()) {
      Map<String, Object> reference = (Map<String, Object>) trigger.get("authenticationRef");
      if (reference != null) {
        assertThat(authentications).contains((String) reference.get("name"));
      }
    }
  }

  /**
   * Empty is an error, not zero: every trigger sets ignoreNullValues "false", and no query pads an
   * empty result. Prometheus triggers read recorded series only, AverageValue ones a sum.
   */
  @Test
  @SuppressWarnings("unchecked")
  void everyScalingQueryTreatsNoDataAsAnError() throws IOException {
    Set<String> recorded = AutoscalingRecipes.recordingRules().keySet();
    List<Map<String, Object>> triggers = AutoscalingRecipes.kedaTriggers();
    assertThat(triggers).extracting(t -> t.get("type")).contains("prometheus", "aws-cloudwatch");
    for (Map<String, Object> trigger : triggers) {
      Map<String, String> metadata = (Map<String, String>) trigger.get("metadata");
      assertThat(metadata)
          .as("trigger %s", trigger.get("name"))
          .containsEntry("ignoreNullValues", "false");
      if ("prometheus".equals(trigger.get("type"))) {
        String query = metadata.get("query");
        assertThat(query).doesNotContain("vector(").doesNotContain("absent(");
        Set<String> read = PromQl.metricNames(query);
        assertThat(recorded).as("series of %s", query).containsAll(read);
        if ("AverageValue".equals(trigger.get("metricType"))) {
          assertThat(read).allMatch(name -> name.endsWith(":sum"));
        }
      }
    }
    for (Map<String, Object> rule : AutoscalingRecipes.adapterRules()) {
      assertThat(recorded).contains(AutoscalingRecipes.adapterSeries(rule));
      assertThat((String) rule.get("metricsQuery")).doesNotContain("vector(");
    }
  }

  @Test
  void theKedaCheckCatchesMisspeltFieldsAndParameters() {
    Map<String, Object> wrong =
        AlertRulesTest.yaml()
            .load(
                """
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: x, namespace: ml}
                spec:
                  scaleTargetRef: {name: llm-gpu}
                  minReplicas: 1
                  maxReplicaCount: "8"
                  advanced:
                    horizontalPodAutoscalerConfig:
                      behavior: {scaleDown: {stabilisationWindowSeconds: 60}}
                  triggers:
                    - type: prometheus
                      authRef: {name: a}
                      metadata:
                        serverAddress: http://p:9090
                        query: up
                        ignoreNullValue: "false"
                        threshold: 1
                """);
    assertThat(kedaProblems(wrong, SCALED_OBJECT, "wrong"))
        .containsExactlyInAnyOrder(
            "wrong.spec: unknown field minReplicas",
            "wrong.spec.maxReplicaCount: not an integer: 8",
            "wrong.spec.advanced.horizontalPodAutoscalerConfig.behavior: unknown fields"
                + " [.ScaleDown: [stabilisationWindowSeconds]]",
            "wrong.spec.triggers[0]: unknown field authRef",
            "wrong.spec.triggers[0].metadata: unknown prometheus parameter ignoreNullValue",
            "wrong.spec.triggers[0].metadata.threshold: not a string: 1",
            "wrong.spec.triggers[0].metadata: missing prometheus parameter threshold");
  }

  /** What in a KEDA object does not fit the schema, one line each. */
  @SuppressWarnings("unchecked")
  static List<String> kedaProblems(Object value, Object schema, String path) {
    List<String> problems = new ArrayList<>();
    if (schema instanceof Map<?, ?> fields) {
      if (!(value instanceof Map<?, ?> object)) {
        return List.of(path + ": not an object");
      }
      for (Map.Entry<?, ?> entry : object.entrySet()) {
        Object field = fields.get(entry.getKey());
        if (field == null) {
          problems.add(path + ": unknown field " + entry.getKey());
        } else {
          problems.addAll(kedaProblems(entry.getValue(), field, path + "." + entry.getKey()));
        }
      }
      if (object.containsKey("type") && object.containsKey("metadata")) {
        problems.addAll(
            triggerParameterProblems(
                (String) object.get("type"), (Map<String, Object>) object.get("metadata"), path));
      }
    } else if (schema instanceof List<?> element) {
      if (!(value instanceof List<?> items)) {
        return List.of(path + ": not a list");
      }
      for (int i = 0; i < items.size(); i++) {
        problems.addAll(kedaProblems(items.get(i), element.get(0), path + "[" + i + "]"));
      }
    } else if (schema.equals(INTEGER) && !(value instanceof Integer)) {
      problems.add(path + ": not an integer: " + value);
    } else if (schema.equals(STRING_MAP)) {
      ((Map<String, Object>) value)
          .forEach(
              (key, item) -> {
                if (!(item instanceof String)) {
                  problems.add(path + "." + key + ": not a string: " + item);
                }
              });
    } else if (schema.equals(OBJECT_META)) {
      problems.addAll(typedProblems(value, ObjectMeta.class, path));
    } else if (schema.equals(HPA_BEHAVIOR)) {
      problems.addAll(typedProblems(value, HorizontalPodAutoscalerBehavior.class, path));
    }
    return problems;
  }

  private static List<String> triggerParameterProblems(
      String type, Map<String, Object> metadata, String path) {
    List<String> known = TRIGGER_PARAMETERS.get(type);
    if (known == null) {
      return List.of(path + ": a trigger type this check does not know: " + type);
    }
    List<String> problems = new ArrayList<>();
    for (String key : metadata.keySet()) {
      if (!known.contains(key)) {
        problems.add(path + ".metadata: unknown " + type + " parameter " + key);
      }
    }
    for (String required : known.subList(0, REQUIRED_PARAMETERS.get(type))) {
      if (!(metadata.get(required) instanceof String)) {
        problems.add(path + ".metadata: missing " + type + " parameter " + required);
      }
    }
    return problems;
  }

  private static List<String> typedProblems(Object value, Class<?> type, String path) {
    List<String> unknown = new ArrayList<>();
    try {
      Object typed = SERIALIZATION.convertValue(value, type);
      HelmChartTest.collectUnknownFields(typed, "", unknown);
    } catch (Exception e) {
      return List.of(path + ": not a " + type.getSimpleName() + ": " + e.getMessage());
    }
    return unknown.isEmpty() ? List.of() : List.of(path + ": unknown fields " + unknown);
  }

  /** A histogram's _bucket, _sum and _count series belong to its family. */
  private static String family(String series) {
    return series.replaceFirst("_(bucket|sum|count)$", "");
  }

  private static List<HasMetadata> typed(java.nio.file.Path file) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : Files.readString(file).split("(?m)^---$", -1)) {
      objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
    }
    return objects;
  }

  private static Set<String> names(List<HasMetadata> objects, Class<?> kind) {
    return objects.stream()
        .filter(kind::isInstance)
        .map(o -> o.getMetadata().getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<HasMetadata> concat(List<HasMetadata> first, List<HasMetadata> second) {
    List<HasMetadata> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }
}
