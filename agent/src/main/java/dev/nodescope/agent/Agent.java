package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.ListenAddress;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.agent.cloudwatch.BridgeMetrics;
import dev.nodescope.agent.cloudwatch.CloudWatchBridge;
import dev.nodescope.agent.cloudwatch.CloudWatchSettings;
import dev.nodescope.agent.exposition.AgentHttpServer;
import dev.nodescope.agent.exposition.BuildInfo;
import dev.nodescope.agent.exposition.OtelExposition;
import dev.nodescope.agent.health.AcceleratorHealth;
import dev.nodescope.agent.health.HealthMetrics;
import dev.nodescope.agent.health.HealthSettings;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorRunner;
import dev.nodescope.collectors.core.DaemonThreads;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.kubernetes.KubernetesMetadata;
import dev.nodescope.collectors.neuron.NeuronCollectorFactory;
import dev.nodescope.collectors.nvidia.NvidiaCollectorFactory;
import dev.nodescope.collectors.podresources.KubeletPodResources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent: collectors in the background, the registry, exposition and the HTTP server.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final List<CollectorRunner> runners;
  private final ScheduledExecutorService scheduler;
  private final OtelExposition exposition;
  private final AgentHttpServer http;
  private final Optional<KubernetesMetadata> kubernetes;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final PodResources podResources;
  private final Optional<CloudWatchBridge> cloudWatch;
  private final Optional<AcceleratorHealth> health;

  private Agent(
      List<CollectorRunner> runners,
      ScheduledExecutorService scheduler,
      OtelExposition exposition,
      AgentHttpServer http,
      Optional<KubernetesMetadata> kubernetes,
      PodResources podResources,
      Optional<CloudWatchBridge> cloudWatch,
      Optional<AcceleratorHealth> health) {
    this.runners = runners;
    this.health = health;
    this.cloudWatch = cloudWatch;
    this.podResources = podResources;
    this.scheduler = scheduler;
    this.exposition = exposition;
    this.http = http;
    this.kubernetes = kubernetes;
  }

  public static Agent start(CollectorCatalog catalog, FlagValues values, Map<String, String> env)
      throws Exception {
    String nodeName = nodeName(env);
    RootPaths paths =
        new RootPaths(
            values.get(AgentFlags.PROCFS),
            values.get(AgentFlags.SYSFS),
            values.get(AgentFlags.ROOTFS));
    List<CollectorFactory> enabled = new ArrayList<>();
    for (CollectorFactory factory : catalog.factories()) {
      if (values.get(CollectorCatalog.enabledFlag(factory))) {
        enabled.add(factory);
      }
    }

    Optional<KubernetesMetadata> kubernetes =
        KubernetesMetadata.connect(values.get(AgentFlags.KUBECONFIG), env, nodeName);
    PodDirectory pods = kubernetes.map(KubernetesMetadata::pods).orElse(PodDirectory.EMPTY);
    boolean clusterNeeded = enabled.stream().anyMatch(CollectorFactory::needsClusterDirectory);
    boolean watchNodes = values.get(AgentFlags.KUBERNETES_WATCH_NODES);
    ClusterDirectory cluster =
        kubernetes
            .filter(metadata -> clusterNeeded)
            .map(metadata -> metadata.startClusterDirectory(watchNodes))
            .orElse(ClusterDirectory.EMPTY);
    // One client shared by the GPU and Neuron collectors.
    PodResources podResources =
        KubeletPodResources.open(values.get(AgentFlags.POD_RESOURCES_SOCKET));
    CollectorContext context =
        new CollectorContext(
            paths, nodeName, values, pods, cluster, podResources, Clock.systemUTC());

    SnapshotRegistry registry = new SnapshotRegistry();
    List<CollectorRunner> runners = new ArrayList<>();
    Map<String, List<MetricDescriptor>> declared = catalog.metrics();
    Map<String, List<MetricDescriptor>> descriptors = new LinkedHashMap<>();
    for (CollectorFactory factory : enabled) {
      runners.add(
          new CollectorRunner(
              factory,
              context,
              values.get(CollectorCatalog.intervalFlag(factory)),
              values.get(CollectorCatalog.timeoutFlag(factory)),
              registry));
      descriptors.put(factory.name(), declared.get(factory.name()));
    }

    Optional<CloudWatchSettings> cloudWatch = CloudWatchSettings.from(values);
    if (cloudWatch.isPresent()) {
      descriptors.put(BridgeMetrics.COLLECTOR, declared.get(BridgeMetrics.COLLECTOR));
    }
    String nvidia = new NvidiaCollectorFactory().name();
    String neuron = new NeuronCollectorFactory().name();
    boolean accelerators = descriptors.containsKey(nvidia) || descriptors.containsKey(neuron);
    HealthSettings healthSettings = HealthSettings.from(values);
    if (accelerators) {
      descriptors.put(HealthMetrics.COLLECTOR, HealthMetrics.ALL);
    }
    OtelExposition exposition =
        new OtelExposition(
            registry, descriptors, BuildInfo.load(), values.get(AgentFlags.SERIES_LIMIT));
    InetSocketAddress address = ListenAddress.parse(values.get(AgentFlags.LISTEN_ADDRESS));
    AgentHttpServer http =
        new AgentHttpServer(
            address,
            values.get(AgentFlags.TELEMETRY_PATH),
            exposition.bodies(),
            registry::initialCollectionDone,
            values.get(AgentFlags.MAX_REQUESTS));
    exposition.serve(http.metrics());

    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(1, DaemonThreads.named("collector-scheduler"));
    runners.forEach(runner -> runner.start(scheduler));
    Optional<CloudWatchBridge> bridge =
        cloudWatch.map(
            settings -> CloudWatchBridge.start(settings, registry, pods, nodeName, paths));
    Optional<AcceleratorHealth> health = Optional.empty();
    if (accelerators) {
      if (healthSettings.nodeConditions() && kubernetes.isEmpty()) {
        LOG.warn(
            "--health.node-conditions: no Kubernetes API access, so accelerator health stays in the metrics");
      }
      health =
          Optional.of(
              AcceleratorHealth.start(
                  healthSettings,
                  registry,
                  nvidia,
                  neuron,
                  kubernetes
                      .filter(metadata -> healthSettings.nodeConditions())
                      .map(metadata -> metadata.nodeUpdates(nodeName, "nodescope"))));
    }
    LOG.info(
        "nodescope {} on node {} listening on {} with collectors {}",
        BuildInfo.load().version(),
        nodeName,
        http.address(),
        runners.stream().map(CollectorRunner::name).toList());
    return new Agent(
        runners, scheduler, exposition, http, kubernetes, podResources, bridge, health);
  }

  /** NODE_NAME comes from the downward API; outside Kubernetes the host name stands in. */
  static String nodeName(Map<String, String> env) throws UsageException {
    String fromEnv = env.get("NODE_NAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    try {
      String host = InetAddress.getLocalHost().getHostName();
      LOG.info("NODE_NAME is not set; using the host name {} as the node name", host);
      return host;
    } catch (UnknownHostException e) {
      throw new UsageException("NODE_NAME is not set and the host name cannot be resolved");
    }
  }

  public InetSocketAddress address() {
    return http.address();
  }

  public void awaitTermination() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    // First, so its last flush still reads the latest snapshots while nothing new is collected.
    cloudWatch.ifPresent(CloudWatchBridge::close);
    health.ifPresent(AcceleratorHealth::close);
    http.close();
    scheduler.shutdownNow();
    runners.forEach(CollectorRunner::close);
    kubernetes.ifPresent(KubernetesMetadata::close);
    podResources.close();
    exposition.close();
    stopped.countDown();
  }
}
