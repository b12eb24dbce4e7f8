package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.DaemonThreads;
import dev.nodescope.collectors.core.PodDirectory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's view of the API server: this node's pods (always, once connected: cheap, and the
 * pods, GPU and Neuron collectors join on them) and, on request, the light cluster-wide lookups
 * that flow attribution needs. Owns the client and every informer; closing it stops them all.
 */
public final class KubernetesMetadata implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesMetadata.class);

  /**
   * fabric8 logs every retry during an API outage (the informer at WARN with a stack trace, the
   * watch manager at INFO), which floods the log; {@link ResourceWatch} logs the outage once
   * instead. Held here so that JUL keeps the levels. At debug level they are left alone.
   */
  private static final List<java.util.logging.Logger> FABRIC8_RETRY_LOGGERS =
      List.of(
          java.util.logging.Logger.getLogger(
              "io.fabric8.kubernetes.client.informers.impl.cache.Reflector"),
          java.util.logging.Logger.getLogger(
              "io.fabric8.kubernetes.client.dsl.internal.AbstractWatchManager"));

  private static final Duration HEALTH_CHECK = Duration.ofSeconds(1);

  /**
   * Cluster-wide lists come in pages: fabric8 parses a whole page into full objects before the
   * light store sees them, and 5,000 full Nodes alone would take about 95 MB of heap at once. A
   * full Node is about 19 KB and a full EndpointSlice up to about 100 KB (1,000 endpoints), so
   * their pages are smaller than those of Services, to keep the transient peak well under the
   * stores' own size (docs/performance.md, "Big cluster").
   */
  private static final long LIST_PAGE = 500;

  private static final long NODE_LIST_PAGE = 100;
  private static final long ENDPOINT_SLICE_LIST_PAGE = 100;

  private final KubernetesClient client;
  private final String nodeName;
  private final PodStore pods;
  private final List<ResourceWatch> watches = new CopyOnWriteArrayList<>();

  /** Notices lost watches and recoveries whether or not the kubernetes collector runs. */
  private final ScheduledExecutorService healthCheck =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kubernetes-watch-health"));

  private ClusterIndex cluster;

  private KubernetesMetadata(KubernetesClient client, String nodeName) {
    this.client = client;
    this.nodeName = nodeName;
    this.pods = new PodStore(this);
    watches.add(
        new ResourceWatch(
            "pods", client.pods().inAnyNamespace().withField("spec.nodeName", nodeName), pods));
    // Runs until close() shuts the executor down; check() handles its own failures.
    Future<?> unused =
        healthCheck.scheduleWithFixedDelay(
            () -> watches.forEach(ResourceWatch::check),
            HEALTH_CHECK.toMillis(),
            HEALTH_CHECK.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /**
   * Connects as {@link KubernetesAccess} finds the way, or returns empty in node mode (no way to
   * reach an API server), which is said once here; the pod directory then stays empty. An API
   * server that is configured but down is another matter: the watches retry in the background.
   */
  public static Optional<KubernetesMetadata> connect(
      Path kubeconfigFlag, Map<String, String> env, String nodeName) {
    Optional<Config> config = KubernetesAccess.resolve(kubeconfigFlag, env);
    if (config.isEmpty()) {
      LOG.info(
          "no Kubernetes API access (no --kubernetes.kubeconfig, not in a cluster, no $KUBECONFIG): running "
              + "in node mode, without pod metadata");
      return Optional.empty();
    }
    return Optional.of(connect(config.get(), nodeName));
  }

  /**
   * Starts watching this node's pods. Returns at once: the first list arrives in the background,
   * and an API server that is down is retried until it answers.
   */
  public static KubernetesMetadata connect(Config config, String nodeName) {
    for (java.util.logging.Logger logger : FABRIC8_RETRY_LOGGERS) {
      if (!logger.isLoggable(Level.FINE)) {
        logger.setLevel(Level.SEVERE);
      }
    }
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    LOG.info("Kubernetes API at {}: watching the pods of node {}", config.getMasterUrl(), nodeName);
    return new KubernetesMetadata(client, nodeName);
  }

  /**
   * The metadata behind a pod directory, when that directory is one of ours (not the empty one of
   * node mode).
   */
  static Optional<KubernetesMetadata> behind(PodDirectory directory) {
    return directory instanceof PodStore store
        ? Optional.ofNullable(store.metadata())
        : Optional.empty();
  }

  public PodDirectory pods() {
    return pods;
  }

  /** Writes to the Node named, through this metadata's client; events name {@code component}. */
  public NodeUpdates nodeUpdates(String nodeName, String component) {
    return new NodeUpdates(client, nodeName, component);
  }

  /**
   * The image of the named container of a pod on this node that carries the label (the cilium-agent
   * of a Cilium DaemonSet, say), asked of the API server once, as a list of this node's pods. Empty
   * without API access (the directory is not one of ours) or when no such pod runs here; a failed
   * request is an IOException.
   */
  public static Optional<String> containerImageOnNode(
      PodDirectory directory, String labelKey, String labelValue, String container)
      throws IOException {
    Optional<KubernetesMetadata> metadata = behind(directory);
    if (metadata.isEmpty()) {
      return Optional.empty();
    }
    List<Pod> found;
    try {
      found =
          metadata
              .get()
              .client
              .pods()
              .inAnyNamespace()
              .withField("spec.nodeName", metadata.get().nodeName)
              .list()
              .getItems();
    } catch (KubernetesClientException e) {
      throw new IOException(
          "listing the pods of node " + metadata.get().nodeName + ": " + e.getMessage(), e);
    }
    return found.stream()
        .filter(
            pod ->
                pod.getMetadata().getLabels() != null
                    && labelValue.equals(pod.getMetadata().getLabels().get(labelKey))
                    && pod.getSpec() != null)
        .flatMap(pod -> pod.getSpec().getContainers().stream())
        .filter(c -> container.equals(c.getName()) && c.getImage() != null)
        .map(Container::getImage)
        .findFirst();
  }

  /**
   * Starts (once) the cluster-wide watches of Services, EndpointSlices and, if {@code watchNodes},
   * nodes; call it only when an enabled collector needs them (see {@code
   * CollectorFactory.needsClusterDirectory}), since they cost every API server. Without the node
   * watch, node IPs are unknown and zones come from EndpointSlices.
   */
  public synchronized ClusterDirectory startClusterDirectory(boolean watchNodes) {
    if (cluster == null) {
      cluster = new ClusterIndex();
      if (watchNodes) {
        watches.add(
            new ResourceWatch("nodes", client.nodes().withLimit(NODE_LIST_PAGE), cluster.nodes()));
      }
      watches.add(
          new ResourceWatch(
              "services",
              client.services().inAnyNamespace().withLimit(LIST_PAGE),
              cluster.services()));
      watches.add(
          new ResourceWatch(
              "endpointslices",
              client
                  .discovery()
                  .v1()
                  .endpointSlices()
                  .inAnyNamespace()
                  .withLimit(ENDPOINT_SLICE_LIST_PAGE),
              cluster.endpointSlices()));
      LOG.info(
          "Kubernetes API: watching {}Services and EndpointSlices for flow attribution",
          watchNodes ? "nodes, " : "");
    }
    return cluster;
  }

  List<ResourceWatch> watches() {
    return List.copyOf(watches);
  }

  @Override
  public void close() {
    healthCheck.shutdownNow();
    watches.forEach(ResourceWatch::close);
    client.close();
  }
}
