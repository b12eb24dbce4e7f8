package dev.nodescope.agent.it;

import dev.nodescope.agent.CollectorCatalog;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.kubernetes.KubeObjects;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.Golden;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent on the fixture node (fixtures/node), scraped once in Prometheus text format,
 * against a golden file: names, help, types, labels and values of everything the fixtures
 * determine. A fake API server names the fixture's three pods and a Service; the flows collector
 * reads the fixture's procfs conntrack table (the agent runs without CAP_NET_ADMIN, so the kernel
 * refuses ctnetlink); a stand-in neuron-monitor prints the neuron-monitor sample report once.
 * Rewrite with {@code -Dgolden.update=true} (run through {@code mvn verify}) and review the diff.
 */
class EndToEndGoldenIT {
  static final String GOLDEN = "golden/end-to-end-fixture-node.prom";

  /**
   * Collectors whose output the fixtures fully determine; the others read the live kernel or
   * devices.
   */
  static final Set<String> FIXTURE_DRIVEN = Set.of("node", "pods", "kubernetes", "flows", "neuron");

  /**
   * Short enough that the collectors run again soon after the API server's pods are known, long
   * enough that a first run which loads the native bindings on a busy machine ends before the next
   * is due: an overrun or a skipped run counts in nodescope_collector_errors_total, which the
   * golden shows.
   */
  private static final String INTERVAL = "5s";

  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);

  private static final String POD_A = "1a2b3c4d-0000-4000-8000-00000000000a";
  private static final String POD_B = "5e6f7a8b-0000-4000-8000-00000000000b";
  private static final String POD_C = "9c0d1e2f-0000-4000-8000-00000000000c";
  private static final String NODE_IP = "198.51.100.9";

  /**
   * Values no fixture can fix: run durations, and filesystem sizes, which statvfs reads from
   * whatever filesystem holds the fixture's copy of each mount point.
   */
  private static final Pattern VOLATILE_VALUE =
      Pattern.compile(
          "^((?:nodescope_collector_duration_seconds|nodescope_node_filesystem_(?:size|free|avail)_bytes)"
              + "(?:\\{.*})?) \\S+$");

  private static final Pattern BUILD_INFO = Pattern.compile("^nodescope_build_info\\{.*} 1$");

  @TempDir Path temp;

  @Test
  void exposesWhatTheGoldenFileSays() throws Exception {
    FixtureNode node = FixtureNode.copyTo(temp);
    // The table appears once the pods are known, so that every connection is attributed when the
    // flows collector first sees it.
    Path table = node.procfs().resolve("net/nf_conntrack");
    Path conntrack = Files.move(table, temp.resolve("nf_conntrack"));
    Files.writeString(table, "");

    try (FakeApiServer api = new FakeApiServer()) {
      objects().forEach(api::put);
      List<String> args = new ArrayList<>(node.pathFlags());
      args.add("--kubernetes.kubeconfig=" + api.writeKubeconfig(temp));
      args.add("--kubelet.pod-resources-socket=" + temp.resolve("no-kubelet.sock"));
      args.add("--collector.neuron.command=" + standInNeuronMonitor());
      // Three periods of silence restart the monitor, which would print the report again.
      args.add("--collector.neuron.period=5m");
      for (CollectorFactory factory : CollectorCatalog.standard().factories()) {
        boolean fixed = FIXTURE_DRIVEN.contains(factory.name());
        args.add((fixed ? "--collector." : "--no-collector.") + factory.name());
        if (fixed && !factory.name().equals("node")) {
          args.add("--collector." + factory.name() + ".interval=" + INTERVAL);
          args.add("--collector." + factory.name() + ".timeout=" + INTERVAL);
        }
      }
      try (AgentProcess agent = AgentProcess.start(temp, withoutNetAdmin(), args, Map.of())) {
        awaitScrape(
            agent,
            body ->
                List.of("pods", "services", "endpointslices", "nodes").stream()
                    .allMatch(
                        resource ->
                            body.contains(
                                "nodescope_kubernetes_synced{resource=\"" + resource + "\"} 1.0")));
        Files.move(conntrack, table, StandardCopyOption.ATOMIC_MOVE);
        String settled =
            awaitScrape(
                agent,
                body ->
                    body.contains("nodescope_flow_bytes_total{")
                        && body.contains("nodescope_pod_cpu_usage_seconds_total{namespace=\"shop\"")
                        && body.contains("nodescope_pod_info{")
                        && body.contains("neuroncore_utilization_ratio{")
                        // health evaluates on its own interval, after the neuron report it reads
                        && body.contains("nodescope_accelerator_healthy{device=\"neuron15\""));
        Golden.assertMatches(normalise(settled), GOLDEN);
      }
    }
  }

  /** As root, the agent runs without CAP_NET_ADMIN; any other user has none to drop. */
  private static List<String> withoutNetAdmin() {
    return Capabilities.isRoot()
        ? List.of("setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin", "--")
        : List.of();
  }

  /** A neuron-monitor that prints the sample report on one line, then stays silent. */
  private Path standInNeuronMonitor() throws IOException {
    Path sample = temp.resolve("neuron-monitor-sample.json");
    try (InputStream in = EndToEndGoldenIT.class.getResourceAsStream("/neuron/sample.json")) {
      if (in == null) {
        throw new AssertionError("the collectors' test jar lacks neuron/sample.json");
      }
      Files.copy(in, sample);
    }
    Path script = temp.resolve("neuron-monitor");
    Files.writeString(
        script,
        "#!/bin/sh\n# Stand-in for neuron-monitor: one report, then silence.\ntr -d '\\n' < '"
            + sample
            + "'\necho\nexec sleep 300\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * The fixture's pods (UIDs, container ids and addresses of fixtures/node), and the Service whose
   * ClusterIP a connection of the conntrack table addresses.
   */
  private static List<HasMetadata> objects() {
    return List.of(
        pod(
            "inference",
            "llm-0",
            POD_A,
            "StatefulSet",
            "llm",
            "192.0.2.10",
            false,
            Map.of("app", "a1")),
        pod(
            "shop",
            "web-7d4b9c-x2x9q",
            POD_B,
            "ReplicaSet",
            "web-7d4b9c",
            "192.0.2.20",
            false,
            Map.of("app", "b1", "sidecar", "b2")),
        pod(
            "kube-system",
            "node-agent-q7k2m",
            POD_C,
            "DaemonSet",
            "node-agent",
            NODE_IP,
            true,
            Map.of()),
        KubeObjects.service("shop", "web", "198.51.100.100"));
  }

  private static Pod pod(
      String namespace,
      String name,
      String uid,
      String ownerKind,
      String ownerName,
      String ip,
      boolean hostNetwork,
      Map<String, String> containerIdPrefixes) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(name)
            .withUid(uid)
            .withLabels(
                ownerKind.equals("ReplicaSet")
                    ? Map.of(
                        "pod-template-hash", ownerName.substring(ownerName.lastIndexOf('-') + 1))
                    : Map.of())
            .addNewOwnerReference()
            .withKind(ownerKind)
            .withName(ownerName)
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .withNodeName(AgentProcess.NODE_NAME)
            .withHostNetwork(hostNetwork)
            .endSpec()
            .withNewStatus()
            .withPodIP(ip)
            .endStatus();
    containerIdPrefixes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            container ->
                pod.editStatus()
                    .addNewContainerStatus()
                    .withName(container.getKey())
                    .withContainerID("containerd://" + container.getValue().repeat(32))
                    .withRestartCount(container.getKey().equals("app") ? 1 : 0)
                    .endContainerStatus()
                    .endStatus());
    return pod.build();
  }

  private static String awaitScrape(AgentProcess agent, Predicate<String> condition)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    String body = agent.scrapeText();
    while (!condition.test(body)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the agent did not settle within "
                + SETTLE_LIMIT.toSeconds()
                + "s; last scrape:\n"
                + body
                + "\nlog:\n"
                + agent.log());
      }
      Thread.sleep(200);
      body = agent.scrapeText();
    }
    return body;
  }

  static String normalise(String exposition) {
    StringBuilder out = new StringBuilder();
    for (String line : exposition.lines().toList()) {
      Matcher volatileValue = VOLATILE_VALUE.matcher(line);
      if (volatileValue.matches()) {
        line = volatileValue.group(1) + " <varies>";
      } else if (BUILD_INFO.matcher(line).matches()) {
        line =
            "nodescope_build_info{javaversion=\"<java>\",revision=\"<revision>\",version=\"<version>\"} 1";
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }
}
