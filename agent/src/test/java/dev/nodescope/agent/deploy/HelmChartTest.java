package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.CommandLine;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.testing.FileTrees;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart, linted strictly and rendered in-process by Helm itself (helm-java) for the
 * default values and several value sets, with the manifests parsed into fabric8's typed model and
 * checked for what matters on every node: privileges, host mounts and the agent flags that point at
 * them, probes, heap, RBAC, and the optional objects. The agent's own command-line parser must
 * accept the rendered arguments.
 */
class HelmChartTest {
  private static final Path CHART = ExportedNames.REPO.resolve("helm/nodescope");
  private static final String NAMESPACE = "monitoring";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * Every optional part on, in the China partition, with a neuron-monitor sidecar and the NVIDIA
   * runtime.
   */
  private static final String EVERYTHING =
      """
      image: {repository: registry.example.com/nodescope-agent,
              digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
      serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
      prometheusRule: {enabled: true, labels: {release: kube-prometheus-stack}}
      grafanaDashboards: {enabled: true, folder: Nodescope}
      networkPolicy:
        enabled: true
        from: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}
      cloudwatch: {enabled: true, region: cn-north-1, clusterName: inference,
                   roleArn: "arn:aws-cn:iam::123456789012:role/nodescope"}
      nvidia: {runtimeClassName: nvidia}
      neuron: {mode: sidecar, sidecar: {image: registry.example.com/neuron-monitor:2.20}}
      collectors: {pods: false, flows: true}
      flows: {enableAccounting: true}
      extraArgs: [--collector.flows.max-series=5000]
      """;

  /** A commercial region with IRSA, Neuron off, no host root, and not on the host network. */
  private static final String MINIMAL =
      """
      cloudwatch: {enabled: true, region: us-east-1, clusterName: inference,
                   roleArn: "arn:aws:iam::123456789012:role/nodescope"}
      neuron: {mode: disabled}
      hostPaths: {root: ""}
      hostNetwork: false
      rbac: {create: false}
      serviceAccount: {create: false, name: existing}
      """;

  @TempDir Path temp;

  @Test
  void lintsStrictlyWithDefaults() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {EVERYTHING, MINIMAL})
  void lintsStrictlyWithValueSets(String values) throws IOException {
    LintResult lint = new Helm(chartWithValues(values)).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  /**
   * fabric8 keeps fields its model does not know aside: in a chart, those are typos Kubernetes
   * would drop.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", EVERYTHING, MINIMAL})
  void manifestsHoldOnlyFieldsKubernetesKnows(String values) throws Exception {
    List<String> unknown = new ArrayList<>();
    for (HasMetadata object : render(values)) {
      if (!(object instanceof GenericKubernetesResource)) {
        collectUnknownFields(
            object, object.getKind() + "/" + object.getMetadata().getName(), unknown);
      }
    }
    assertThat(unknown).isEmpty();
  }

  @Test
  void autoscalingRulesInstallTheExampleRecordingRulesAsTheyAre() throws IOException {
    String values = "autoscalingRules: {enabled: true, labels: {release: kube-prometheus-stack}}";
    LintResult lint = new Helm(chartWithValues(values)).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    GenericKubernetesResource rules = custom(render(values), "PrometheusRule");
    assertThat(rules.getMetadata().getName()).isEqualTo("nodescope-autoscaling");
    assertThat(rules.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    assertThat(spec(rules).get("groups"))
        .as("the rule groups of examples/autoscaling/rules, as they are")
        .isEqualTo(AutoscalingRecipes.documents(AutoscalingRecipes.RULES).get(0).get("groups"));
  }

  @Test
  void daemonSetRunsOnEveryNodeWithProbesAndPriority() throws IOException {
    DaemonSet daemonSet = one(render(""), DaemonSet.class);
    PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(toleration -> assertThat(toleration.getOperator()).isEqualTo("Exists"))
        .satisfies(toleration -> assertThat(toleration.getKey()).isNull());
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(daemonSet.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(
            daemonSet
                .getSpec()
                .getUpdateStrategy()
                .getRollingUpdate()
                .getMaxUnavailable()
                .getStrVal())
        .isEqualTo("5%");

    Container agent = agent(pod);
    assertThat(agent.getImage()).isEqualTo("nodescope-agent:0.1.0");
    assertThat(agent.getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getName()).isEqualTo("metrics");
              assertThat(port.getContainerPort()).isEqualTo(9101);
            });
    assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(agent.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(agent.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    EnvVar nodeName = env(agent, "NODE_NAME");
    assertThat(nodeName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    assertThat(parse(agent).get(AgentFlags.LISTEN_ADDRESS)).isEqualTo(":9101");
  }

  @Test
  void leastPrivilege() throws IOException {
    PodSpec pod = one(render(""), DaemonSet.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var security = agent(pod).getSecurityContext();
    assertThat(security.getPrivileged()).isFalse();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd())
        .containsExactlyInAnyOrder("NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "BPF", "PERFMON");
    assertThat(
            agent(
                    one(render("collectors:\n  tcp: false\n"), DaemonSet.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec())
                .getSecurityContext()
                .getCapabilities()
                .getAdd())
        .as("without the tcp collector, no eBPF capabilities")
        .containsExactlyInAnyOrder("NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH");
    String values = Files.readString(CHART.resolve("values.yaml"));
    for (String capability : security.getCapabilities().getAdd()) {
      assertThat(values)
          .as("values.yaml explains %s", capability)
          .containsPattern("#\\s+" + capability + ":");
    }
    assertThat(values)
        .as("values.yaml says why SYS_ADMIN is left out")
        .containsPattern("#\\s+SYS_ADMIN is not");
  }

  /** Every host path is mounted read-only, and the agent's path flags point at those mounts. */
  @Test
  void hostMountsAreReadOnlyAndMatchThePathFlags() throws IOException {
    PodSpec pod = one(render(""), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container agent = agent(pod);
    Map<String, String> hostPathByMount = new TreeMap<>();
    for (VolumeMount mount : agent.getVolumeMounts()) {
      Volume volume = volume(pod, mount.getName());
      if (volume.getHostPath() != null) {
        assertThat(mount.getReadOnly()).as("%s mounted read-only", mount.getMountPath()).isTrue();
        hostPathByMount.put(mount.getMountPath(), volume.getHostPath().getPath());
      }
    }
    assertThat(hostPathByMount)
        .containsEntry("/host/proc", "/proc")
        .containsEntry("/host/sys", "/sys")
        .containsEntry("/host/sys/fs/cgroup", "/sys/fs/cgroup")
        .containsEntry("/host/root", "/")
        .containsEntry("/var/lib/kubelet/pod-resources", "/var/lib/kubelet/pod-resources");
    FlagValues flags = parse(agent);
    assertThat(hostPathByMount.get(flags.get(AgentFlags.PROCFS).toString())).isEqualTo("/proc");
    assertThat(hostPathByMount.get(flags.get(AgentFlags.SYSFS).toString())).isEqualTo("/sys");
    assertThat(hostPathByMount.get(flags.get(AgentFlags.ROOTFS).toString())).isEqualTo("/");
    assertThat(args(agent))
        .contains("--kubelet.pod-resources-socket=/var/lib/kubelet/pod-resources/kubelet.sock");
    assertThat(agent.getVolumeMounts())
        .filteredOn(mount -> mount.getMountPath().equals("/host/root"))
        .singleElement()
        .satisfies(mount -> assertThat(mount.getMountPropagation()).isEqualTo("HostToContainer"));
  }

  /**
   * The heap options are agent/jvm.options', and native libraries unpack into the writable /tmp
   * emptyDir.
   */
  @Test
  void jvmOptionsMatchTheAgentsAndExtractNativeLibrariesIntoTmp() throws IOException {
    PodSpec pod = one(render(""), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container agent = agent(pod);
    List<String> options = Arrays.asList(env(agent, "JAVA_TOOL_OPTIONS").getValue().split(" "));
    List<String> jvmOptions =
        Files.readAllLines(ExportedNames.REPO.resolve("agent/jvm.options")).stream()
            .map(String::strip)
            .filter(line -> !line.isEmpty() && !line.startsWith("#"))
            .toList();
    assertThat(options).containsAll(jvmOptions);
    assertThat(options)
        .contains(
            "-Djava.io.tmpdir=/tmp",
            "-Djffi.extract.dir=/tmp/jffi",
            "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp");
    assertThat(env(agent, "MALLOC_ARENA_MAX").getValue()).isEqualTo("2");
    assertThat(agent.getVolumeMounts())
        .filteredOn(mount -> mount.getMountPath().equals("/tmp"))
        .singleElement()
        .satisfies(mount -> assertThat(volume(pod, mount.getName()).getEmptyDir()).isNotNull());

    long heap =
        jvmOptions.stream()
            .filter(option -> option.startsWith("-Xmx"))
            .findFirst()
            .map(
                option ->
                    Quantity.getAmountInBytes(
                            new Quantity(option.substring(4).toUpperCase(Locale.ROOT) + "i"))
                        .longValue())
            .orElseThrow();
    long limit =
        Quantity.getAmountInBytes(agent.getResources().getLimits().get("memory")).longValue();
    long request =
        Quantity.getAmountInBytes(agent.getResources().getRequests().get("memory")).longValue();
    assertThat(limit)
        .as("memory limit leaves room above the heap")
        .isGreaterThanOrEqualTo(heap + (128L << 20));
    assertThat(request)
        .as("memory request covers the heap")
        .isGreaterThan(heap)
        .isLessThanOrEqualTo(limit);
    assertThat(agent.getResources().getRequests()).containsKey("cpu");
  }

  @Test
  void readOnlyAccessToExactlyTheMetadataTheAgentWatches() throws IOException {
    List<HasMetadata> objects = render("");
    ClusterRole role = one(objects, ClusterRole.class);
    Map<String, Set<String>> resourcesByGroup = new TreeMap<>();
    for (PolicyRule rule : role.getRules()) {
      assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      for (String group : rule.getApiGroups()) {
        resourcesByGroup
            .computeIfAbsent(group, g -> new java.util.TreeSet<>())
            .addAll(rule.getResources());
      }
    }
    assertThat(resourcesByGroup)
        .isEqualTo(
            Map.of(
                "",
                Set.of("pods", "nodes", "services"),
                "discovery.k8s.io",
                Set.of("endpointslices")));
    ClusterRoleBinding binding = one(objects, ClusterRoleBinding.class);
    ServiceAccount account = one(objects, ServiceAccount.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            subject -> {
              assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
              assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
            });
    assertThat(
            one(objects, DaemonSet.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());

    Service service = one(objects, Service.class);
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("metrics"));
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .as("optional objects are off by default")
        .doesNotContain("ServiceMonitor", "PrometheusRule", "ConfigMap", "NetworkPolicy");
  }

  /**
   * values-gpu.yaml and values-neuron.yaml turn the health condition and taint on, and the
   * ClusterRole grows by exactly what those write.
   */
  @ParameterizedTest
  @ValueSource(strings = {"values-gpu.yaml", "values-neuron.yaml"})
  void acceleratorValuesWriteHealthToTheNodeWithOnlyTheRightsItNeeds(String file)
      throws IOException {
    List<HasMetadata> objects = render(Files.readString(CHART.resolve(file)));
    FlagValues flags =
        parse(agent(one(objects, DaemonSet.class).getSpec().getTemplate().getSpec()));
    assertThat(flag(flags, "health.node-conditions")).isEqualTo(true);
    assertThat(flag(flags, "health.taint"))
        .isEqualTo("nodescope.dev/accelerator-failed=true:NoSchedule");
    List<String> writes = new ArrayList<>();
    for (PolicyRule rule : one(objects, ClusterRole.class).getRules()) {
      if (!rule.getVerbs().equals(List.of("get", "list", "watch"))) {
        writes.add(rule.getResources() + " " + rule.getVerbs());
      }
    }
    assertThat(writes)
        .containsExactlyInAnyOrder(
            "[nodes/status] [patch]", "[events] [create]", "[nodes] [patch]");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everythingOn() throws IOException {
    List<HasMetadata> objects = render(EVERYTHING);
    PodSpec pod = one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
    Container agent = agent(pod);
    assertThat(agent.getImage())
        .isEqualTo(
            "registry.example.com/nodescope-agent@sha256:"
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assertThat(pod.getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(env(agent, "NVIDIA_VISIBLE_DEVICES").getValue()).isEqualTo("all");
    assertThat(env(agent, "AWS_REGION").getValue()).isEqualTo("cn-north-1");
    assertThat(args(agent))
        .contains(
            "--no-collector.pods",
            "--collector.flows",
            "--collector.flows.max-series=5000",
            "--cloudwatch.enabled",
            "--cloudwatch.region=cn-north-1",
            "--cloudwatch.cluster-name=inference");

    assertThat(args(agent)).contains("--collector.flows.enable-accounting");
    assertThat(agent.getVolumeMounts())
        .as("the one writable host mount: the netfilter sysctls")
        .filteredOn(
            mount ->
                volume(pod, mount.getName()).getHostPath() != null
                    && !Boolean.TRUE.equals(mount.getReadOnly()))
        .singleElement()
        .satisfies(
            mount -> {
              assertThat(mount.getMountPath())
                  .isEqualTo(flag(parse(agent), "path.procfs") + "/sys/net/netfilter");
              assertThat(volume(pod, mount.getName()).getHostPath().getPath())
                  .isEqualTo("/proc/sys/net/netfilter");
            });

    ServiceAccount account = one(objects, ServiceAccount.class);
    assertThat(account.getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", "arn:aws-cn:iam::123456789012:role/nodescope")
        .containsEntry("eks.amazonaws.com/audience", "sts.amazonaws.com.cn");

    Container sidecar =
        pod.getContainers().stream()
            .filter(c -> c.getName().equals("neuron-monitor"))
            .findFirst()
            .orElseThrow();
    String fifo = String.valueOf(flag(parse(agent), "collector.neuron.reports-file"));
    assertThat(String.join(" ", sidecar.getCommand()))
        .contains("mkfifo", "neuron-monitor > \"$f\"", fifo);
    VolumeMount shared = sidecar.getVolumeMounts().get(0);
    assertThat(fifo).startsWith(shared.getMountPath() + "/");
    assertThat(agent.getVolumeMounts())
        .anySatisfy(
            mount -> {
              assertThat(mount.getName()).isEqualTo(shared.getName());
              assertThat(mount.getMountPath()).isEqualTo(shared.getMountPath());
            });

    GenericKubernetesResource monitor = custom(objects, "ServiceMonitor");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    Map<String, Object> endpoint =
        ((List<Map<String, Object>>) spec(monitor).get("endpoints")).get(0);
    assertThat(endpoint).containsEntry("port", "metrics").containsEntry("path", "/metrics");
    assertThat((List<Map<String, Object>>) endpoint.get("relabelings"))
        .anySatisfy(
            relabel ->
                assertThat(relabel)
                    .containsEntry("targetLabel", "job")
                    .containsEntry("replacement", "nodescope"));

    List<Object> groups = new ArrayList<>();
    for (Map<String, Object> file : AlertRulesTest.ruleFiles().values()) {
      groups.addAll((List<Object>) file.get("groups"));
    }
    assertThat(spec(custom(objects, "PrometheusRule")).get("groups"))
        .as("the rule groups of alerts/, as they are")
        .isEqualTo(groups);

    List<ConfigMap> dashboards = all(objects, ConfigMap.class);
    assertThat(dashboards).hasSameSizeAs(Dashboards.files());
    for (Path file : Dashboards.files()) {
      String name = file.getFileName().toString();
      assertThat(dashboards)
          .as("ConfigMap of %s", name)
          .anySatisfy(
              map -> {
                assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
                assertThat(map.getMetadata().getAnnotations())
                    .containsEntry("grafana_folder", "Nodescope");
                assertThat(map.getData().get(name))
                    .isEqualTo(Files.readString(file).stripTrailing());
              });
    }

    NetworkPolicy policy = one(objects, NetworkPolicy.class);
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(port -> assertThat(port.getPort().getStrVal()).isEqualTo("metrics"));
              assertThat(rule.getFrom())
                  .singleElement()
                  .satisfies(
                      peer ->
                          assertThat(peer.getNamespaceSelector().getMatchLabels())
                              .containsEntry("kubernetes.io/metadata.name", "monitoring"));
            });
  }

  @Test
  void minimalValueSet() throws IOException {
    List<HasMetadata> objects = render(MINIMAL);
    PodSpec pod = one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
    Container agent = agent(pod);
    assertThat(pod.getHostNetwork()).isFalse();
    assertThat(pod.getDnsPolicy()).isNull();
    assertThat(pod.getServiceAccountName()).isEqualTo("existing");
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(args(agent))
        .contains("--no-collector.neuron")
        .noneMatch(arg -> arg.startsWith("--path.rootfs"));
    assertThat(agent.getVolumeMounts())
        .noneMatch(mount -> mount.getMountPath().equals("/host/root"));
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("ServiceAccount", "ClusterRole", "ClusterRoleBinding");
  }

  /**
   * Cilium support: the host's BPF filesystem read-only where the flag looks, and BPF the one
   * capability it adds; nothing of it without the value.
   */
  @Test
  void ciliumMountsTheBpfFilesystemReadOnlyAndAddsOnlyBpf() throws IOException {
    PodSpec pod =
        one(
                render(
                    "flows: {cilium: {enabled: true, version: \"1.16\"}}\ncollectors: {tcp: false}"),
                DaemonSet.class)
            .getSpec()
            .getTemplate()
            .getSpec();
    Container agent = agent(pod);
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "BPF");
    assertThat(agent.getVolumeMounts())
        .filteredOn(mount -> mount.getMountPath().equals("/sys/fs/bpf"))
        .singleElement()
        .satisfies(
            mount -> {
              assertThat(mount.getReadOnly()).isTrue();
              assertThat(mount.getMountPropagation()).isEqualTo("HostToContainer");
              assertThat(volume(pod, mount.getName()).getHostPath().getPath())
                  .isEqualTo("/sys/fs/bpf");
            });
    FlagValues flags = parse(agent);
    assertThat(flag(flags, "collector.flows.cilium-bpf-path").toString())
        .isEqualTo("/sys/fs/bpf/tc/globals");
    assertThat(flag(flags, "collector.flows.cilium-version")).isEqualTo("1.16");

    Container plain =
        agent(
            one(render("collectors: {tcp: false}"), DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec());
    assertThat(plain.getVolumeMounts()).noneMatch(m -> m.getMountPath().startsWith("/sys/fs/bpf"));
    assertThat(plain.getSecurityContext().getCapabilities().getAdd()).doesNotContain("BPF");
  }

  @Test
  void irsaAudienceIsTheDefaultOutsideChinaAndCanBeSet() throws IOException {
    String role =
        "cloudwatch: {enabled: true, region: us-east-1, clusterName: c, "
            + "roleArn: \"arn:aws:iam::123456789012:role/nodescope\"%s}";
    assertThat(one(render(role.formatted("")), ServiceAccount.class).getMetadata().getAnnotations())
        .containsKey("eks.amazonaws.com/role-arn")
        .doesNotContainKey("eks.amazonaws.com/audience");
    assertThat(
            one(render(role.formatted(", audience: sts.example")), ServiceAccount.class)
                .getMetadata()
                .getAnnotations())
        .containsEntry("eks.amazonaws.com/audience", "sts.example");
  }

  /**
   * Values the schema or the templates refuse, each with the part of Helm's message that names the
   * problem.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "log: {level: trace}                                            | /log/level",
        "port: 0                                                        | /port",
        "cloudwatch: {roleArn: nodescope}                               | /cloudwatch/roleArn",
        "cloudwatch: {enabled: true, clusterName: c}                    | cloudwatch.region is required",
        "neuron: {mode: sidecar}                                        | neuron.sidecar.image is required",
        "extraArgs: [collector.flows]                                   | /extraArgs/0",
        "securityContext: {capabilities: {add: [NET_ADMIN, NET_ADMIN]}} | /securityContext/capabilities/add",
        "jvmOptions: [-XX:+UseSerialGC]                                 | /jvmOptions",
        "image: {repository: ''}                                        | image.repository is required",
        "unknown: 1                                                     | unknown"
      })
  void refusesBadValues(String values, String problem) {
    assertThatThrownBy(() -> render(values))
        .as(values)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(problem);
  }

  /** The rendered manifests, parsed into fabric8's model (custom resources as generic ones). */
  private List<HasMetadata> render(String values) throws IOException {
    Path file = Files.createTempFile(temp, "values", ".yaml");
    Files.writeString(file, values);
    // helm-java's default is Kubernetes 1.20, below the chart's kubeVersion.
    String manifests =
        new Helm(CHART)
            .template()
            .withName("nodescope")
            .withNamespace(NAMESPACE)
            .withKubeVersion("1.30.0")
            .withValuesFile(file)
            .call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : manifests.split("(?m)^---\\s*$", -1)) {
      if (!document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        objects.add(SERIALIZATION.unmarshal(document));
      }
    }
    return objects;
  }

  /**
   * A copy of the chart (links resolved) whose values.yaml is the defaults with the given values
   * merged in.
   */
  private Path chartWithValues(String values) throws IOException {
    Path copy = FileTrees.copyResolvingLinks(CHART, temp.resolve("chart").resolve("nodescope"));
    Map<String, Object> defaults = new Yaml().load(Files.readString(CHART.resolve("values.yaml")));
    Files.writeString(
        copy.resolve("values.yaml"), new Yaml().dump(merge(defaults, new Yaml().load(values))));
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    override.forEach(
        (key, value) ->
            merged.merge(
                key,
                value,
                (old, given) ->
                    old instanceof Map && given instanceof Map
                        ? merge((Map<String, Object>) old, (Map<String, Object>) given)
                        : given));
    return merged;
  }

  private static FlagValues parse(Container agent) {
    String[] args = args(agent).toArray(String[]::new);
    try {
      CommandLine.Parsed parsed = new CommandLine(ExportedNames.declaredFlags()).parse(args);
      assertThat(parsed.action()).isEqualTo(CommandLine.Action.RUN);
      return parsed.values();
    } catch (UsageException e) {
      throw new AssertionError(
          "the agent refuses the chart's arguments "
              + Arrays.toString(args)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Collects, by path, the fields fabric8 kept aside because its model does not know them. */
  static void collectUnknownFields(Object object, String path, List<String> unknown)
      throws Exception {
    if (object instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collectUnknownFields(list.get(i), path + "[" + i + "]", unknown);
      }
    } else if (object instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        collectUnknownFields(entry.getValue(), path + "." + entry.getKey(), unknown);
      }
    } else if (object != null
        && object.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")
        && !(object instanceof Quantity)
        && !(object instanceof IntOrString)) {
      for (Method getter : object.getClass().getMethods()) {
        if (getter.getParameterCount() > 0
            || !getter.getName().startsWith("get")
            || getter.getDeclaringClass() == Object.class) {
          continue;
        }
        Object value = getter.invoke(object);
        if (getter.getName().equals("getAdditionalProperties")) {
          if (!((Map<?, ?>) value).isEmpty()) {
            unknown.add(path + ": " + ((Map<?, ?>) value).keySet());
          }
        } else {
          collectUnknownFields(value, path + "." + getter.getName().substring(3), unknown);
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Object flag(FlagValues values, String name) {
    return values.get(
        (Flag<Object>)
            ExportedNames.declaredFlags().stream()
                .filter(flag -> flag.name().equals(name))
                .findFirst()
                .orElseThrow());
  }

  private static List<String> args(Container agent) {
    return agent.getArgs();
  }

  private static Container agent(PodSpec pod) {
    return pod.getContainers().stream()
        .filter(c -> c.getName().equals("agent"))
        .findFirst()
        .orElseThrow();
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(env -> env.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + container.getEnv()));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(volume -> volume.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static <T> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> matching = all(objects, type);
    assertThat(matching).as("objects of type %s", type.getSimpleName()).hasSize(1);
    return matching.get(0);
  }

  private static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static GenericKubernetesResource custom(List<HasMetadata> objects, String kind) {
    List<GenericKubernetesResource> matching =
        all(objects, GenericKubernetesResource.class).stream()
            .filter(object -> object.getKind().equals(kind))
            .toList();
    assertThat(matching).as("objects of kind %s", kind).hasSize(1);
    return matching.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }
}
