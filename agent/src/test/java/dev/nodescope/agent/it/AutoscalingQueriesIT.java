package dev.nodescope.agent.it;

import static dev.nodescope.agent.it.PrometheusServer.JOB;
import static dev.nodescope.collectors.testing.FakeKubelet.devices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nodescope.agent.deploy.AutoscalingRecipes;
import dev.nodescope.agent.deploy.PromQl;
import dev.nodescope.collectors.kubernetes.KubeObjects;
import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.FakeApiServer;
import dev.nodescope.collectors.testing.FakeKubelet;
import dev.nodescope.collectors.testing.StubNvidiaDriver;
import dev.nodescope.collectors.testing.TestNetns;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the autoscaling recipes (the KEDA prometheus triggers, and the
 * prometheus-adapter's rules as the adapter fills them in) sent to a real Prometheus that scrapes
 * the fat jar and evaluates the recording rules, and each must return data: KEDA's a single series.
 * The agent runs in a network namespace the test makes, standing for a node with three pods from a
 * fake API server: a client (gateway) holding connections to the ClusterIPs of two Services (a DNAT
 * rule per Service, as kube-proxy writes), the GPU server behind one, the Neuron server behind the
 * other. The stand-in libnvidia-ml and a stand-in neuron-monitor (the shared sample report, once a
 * second) feed the accelerators, and a fake kubelet gives the GPU and two NeuronCores to the
 * servers. Values are checked against what was set up: the stand-in's 42 % GPU, the sample's 6 %
 * and 7 % cores, and the connections the test holds open, as the kernel's conntrack table lists
 * them. The TCP health rules read the tcp collector's series and are not asked here.
 */
class AutoscalingQueriesIT {
  private static final String NODE = AgentProcess.NODE_NAME;
  private static final String GATEWAY = "gateway-6b8d9c7f5-h2j3k";
  private static final String GPU_POD = "llm-gpu-7d9f8b6c5d-x2x7k";
  private static final String NEURON_POD = "llm-neuron-6c9f7b5d8-m3n4p";
  private static final String GATEWAY_IP = "192.0.2.10";
  private static final String GPU_POD_IP = "192.0.2.20";
  private static final String NEURON_POD_IP = "192.0.2.21";
  private static final String GPU_SERVICE_IP = "198.51.100.10";
  private static final String NEURON_SERVICE_IP = "198.51.100.11";
  private static final int PORT = 8000;

  /** Connections the gateway holds open to each Service. */
  private static final int CONNECTIONS = 3;

  private static final Path NEURON_SAMPLE =
      Path.of("../collectors/src/test/resources/neuron/sample.json").toAbsolutePath();

  @TempDir Path temp;

  @Test
  void everyScalingQueryReturnsDataFromTheAgent() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("iptables");
    Capabilities.requireCommand("conntrack");
    Path driver = StubNvidiaDriver.compile(temp);
    List<ServerSocket> servers = new ArrayList<>();
    List<Socket> clients = new ArrayList<>();
    try (TestNetns node = TestNetns.create("autoscale-node");
        FakeApiServer api = new FakeApiServer();
        FakeKubelet kubelet = new FakeKubelet(temp.resolve("kubelet.sock"), assignments())) {
      node.trackLoopback(GATEWAY_IP, GPU_POD_IP, NEURON_POD_IP, GPU_SERVICE_IP, NEURON_SERVICE_IP);
      clusterIp(node, GPU_SERVICE_IP, GPU_POD_IP);
      clusterIp(node, NEURON_SERVICE_IP, NEURON_POD_IP);
      putCluster(api);
      ExecutorService inNode = node.threads();
      try (NetnsRelay toApi = NetnsRelay.outOf(node, URI.create(api.url()).getPort());
          NetnsRelay toAgent = NetnsRelay.into(node)) {
        for (String server : List.of(GPU_POD_IP, NEURON_POD_IP)) {
          servers.add(
              inNode.submit(() -> new ServerSocket(PORT, 50, InetAddress.getByName(server))).get());
        }
        for (int i = 0; i < CONNECTIONS; i++) {
          clients.add(inNode.submit(() -> connect(GPU_SERVICE_IP)).get());
          clients.add(inNode.submit(() -> connect(NEURON_SERVICE_IP)).get());
        }
        assertThat(established(node, GPU_SERVICE_IP)).isEqualTo(CONNECTIONS);
        assertThat(established(node, NEURON_SERVICE_IP)).isEqualTo(CONNECTIONS);

        try (AgentProcess agent =
                AgentProcess.startInNetns(
                    temp,
                    node.name(),
                    toAgent.port(),
                    agentArgs(api),
                    Map.of("LD_LIBRARY_PATH", driver.toString()));
            PrometheusServer prometheus =
                PrometheusServer.scraping(agent, temp, List.of(AutoscalingRecipes.RULES))) {
          prometheus.awaitAnswer("up{job=\"" + JOB + "\"} == 1");
          assertQueriesAnswer(prometheus);
          assertValues(prometheus);
        }
      } finally {
        for (Socket client : clients) {
          client.close();
        }
        for (ServerSocket server : servers) {
          server.close();
        }
        inNode.shutdownNow();
      }
    }
  }

  private static void assertQueriesAnswer(PrometheusServer prometheus) throws Exception {
    List<AutoscalingRecipes.Query> keda = AutoscalingRecipes.kedaQueries();
    assertThat(keda).hasSize(4);
    for (AutoscalingRecipes.Query query : keda) {
      prometheus.awaitAnswer(query.promql());
      assertThat(prometheus.query(query.promql()))
          .as("%s: KEDA needs a single element", query.source())
          .hasSize(1);
    }
    List<Map<String, Object>> rules = AutoscalingRecipes.adapterRules();
    assertThat(rules).hasSize(4);
    for (Map<String, Object> rule : rules) {
      String series = AutoscalingRecipes.adapterSeries(rule);
      AutoscalingRecipes.Query query =
          series.startsWith("pod:")
              ? AutoscalingRecipes.adapterQuery(
                  rule, "namespace=\"ml\",pod=~\"" + GPU_POD + "|" + NEURON_POD + "\"", "pod")
              : AutoscalingRecipes.adapterQuery(
                  rule, "namespace=\"ml\",service=~\"llm-gpu|llm-neuron\"", "service");
      prometheus.awaitAnswer(query.promql());
    }
    // Every other recorded series that reads only what this agent serves has data too.
    for (Map.Entry<String, String> rule : AutoscalingRecipes.recordingRules().entrySet()) {
      if (PromQl.metricNames(rule.getValue()).stream()
          .noneMatch(name -> name.startsWith("nodescope_tcp_"))) {
        prometheus.awaitAnswer(rule.getKey());
      }
    }
  }

  private static void assertValues(PrometheusServer prometheus) throws Exception {
    assertThat(
            value(
                prometheus,
                "workload:nodescope_gpu_utilization:sum{namespace=\"ml\", owner_name=\"llm-gpu\"}"))
        .as("the stand-in L4's utilization, 42 %")
        .isEqualTo(0.42, within(1e-9));
    assertThat(
            value(
                prometheus,
                "workload:nodescope_neuroncore_utilization:sum{namespace=\"ml\","
                    + " owner_name=\"llm-neuron\"}"))
        .as("the sample's cores 6 and 7 (6 % and 7 %), averaged")
        .isEqualTo(0.065, within(1e-9));
    awaitValue(
        prometheus,
        "service:nodescope_flow_active_connections:sum{namespace=\"ml\", service=\"llm-gpu\"}",
        CONNECTIONS);
    awaitValue(
        prometheus,
        "workload:nodescope_flow_active_connections:sum{namespace=\"ml\","
            + " owner_name=\"llm-neuron\"}",
        CONNECTIONS);
  }

  private static double value(PrometheusServer prometheus, String promql) throws Exception {
    prometheus.awaitAnswer(promql);
    List<Map<String, Object>> result = prometheus.query(promql);
    assertThat(result).as(promql).hasSize(1);
    return Double.parseDouble((String) ((List<?>) result.get(0).get("value")).get(1));
  }

  /** Waits for the value: the first flow dumps may precede the pods' metadata. */
  private static void awaitValue(PrometheusServer prometheus, String promql, double expected)
      throws Exception {
    long deadline = System.nanoTime() + PrometheusServer.LIMIT.toNanos();
    double last = value(prometheus, promql);
    while (last != expected && System.nanoTime() < deadline) {
      Thread.sleep(250);
      last = value(prometheus, promql);
    }
    assertThat(last).as(promql).isEqualTo(expected);
  }

  private static void clusterIp(TestNetns node, String clusterIp, String backend) throws Exception {
    node.run(
        "iptables -t nat -A OUTPUT -d "
            + clusterIp
            + "/32 -p tcp --dport "
            + PORT
            + " -j DNAT --to-destination "
            + backend
            + ":"
            + PORT);
  }

  private static Socket connect(String clusterIp) throws Exception {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(GATEWAY_IP), 0));
    socket.connect(new InetSocketAddress(InetAddress.getByName(clusterIp), PORT), 5000);
    socket.getOutputStream().write("GET /v1/models\n".getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  /** The kernel's count: established connections to the ClusterIP in the node's table. */
  private static long established(TestNetns node, String clusterIp) throws Exception {
    return node.output("conntrack", "-L", "-p", "tcp", "-d", clusterIp, "--state", "ESTABLISHED")
        .lines()
        .filter(line -> line.contains("dport=" + PORT))
        .count();
  }

  private static void putCluster(FakeApiServer api) {
    api.put(KubeObjects.node(NODE, "zone-a", "203.0.113.5"));
    api.put(
        KubeObjects.deploymentPod(
                "edge", GATEWAY, "uid-gateway", NODE, GATEWAY_IP, "gateway", "6b8d9c7f5")
            .build());
    api.put(
        KubeObjects.deploymentPod(
                "ml", GPU_POD, "uid-llm-gpu", NODE, GPU_POD_IP, "llm-gpu", "7d9f8b6c5d")
            .build());
    api.put(
        KubeObjects.deploymentPod(
                "ml", NEURON_POD, "uid-llm-neuron", NODE, NEURON_POD_IP, "llm-neuron", "6c9f7b5d8")
            .build());
    api.put(KubeObjects.service("ml", "llm-gpu", GPU_SERVICE_IP));
    api.put(KubeObjects.service("ml", "llm-neuron", NEURON_SERVICE_IP));
  }

  /** The kubelet's answer: the L4 and the MIG instance to the GPU pod, cores 6 and 7 to Neuron. */
  private static PodResourcesApi.ListPodResourcesResponse assignments() {
    return PodResourcesApi.ListPodResourcesResponse.newBuilder()
        .addPodResources(
            PodResourcesApi.PodResources.newBuilder()
                .setName(GPU_POD)
                .setNamespace("ml")
                .addContainers(
                    PodResourcesApi.ContainerResources.newBuilder()
                        .setName("server")
                        .addDevices(devices("nvidia.com/gpu", StubNvidiaDriver.L4_UUID))
                        .addDevices(devices("nvidia.com/mig-1g.10gb", StubNvidiaDriver.MIG_UUID))))
        .addPodResources(
            PodResourcesApi.PodResources.newBuilder()
                .setName(NEURON_POD)
                .setNamespace("ml")
                .addContainers(
                    PodResourcesApi.ContainerResources.newBuilder()
                        .setName("server")
                        .addDevices(devices("aws.amazon.com/neuroncore", "6", "7"))))
        .build();
  }

  private List<String> agentArgs(FakeApiServer api) throws Exception {
    List<String> args = new ArrayList<>(FixtureNode.copyTo(temp).pathFlags());
    args.add("--kubernetes.kubeconfig=" + api.writeKubeconfig(temp));
    args.add("--kubelet.pod-resources-socket=" + temp.resolve("kubelet.sock"));
    args.add("--collector.neuron.command=" + standInNeuronMonitor());
    args.add("--collector.neuron.period=1s");
    for (String collector : List.of("nvidia", "neuron", "flows", "kubernetes")) {
      args.add("--collector." + collector + ".interval=1s");
      args.add("--collector." + collector + ".timeout=1s");
    }
    return args;
  }

  /** neuron-monitor's stand-in: the shared sample report on one line, once a second. */
  private Path standInNeuronMonitor() throws Exception {
    Path report =
        Files.writeString(
            temp.resolve("neuron-report.json"),
            Files.readString(NEURON_SAMPLE).replace("\n", "") + "\n");
    Path script =
        Files.writeString(
            temp.resolve("neuron-monitor"),
            "#!/bin/sh\n# neuron-monitor -c CONFIG, standing in\nwhile :; do cat '"
                + report
                + "'; sleep 1; done\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
    return script;
  }
}
