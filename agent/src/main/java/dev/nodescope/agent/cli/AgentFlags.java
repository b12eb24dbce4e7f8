package dev.nodescope.agent.cli;

import dev.nodescope.agent.cloudwatch.CloudWatchFlags;
import dev.nodescope.agent.exposition.AgentHttpServer;
import dev.nodescope.agent.health.HealthFlags;
import dev.nodescope.collectors.core.Flag;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The agent's own flags, named as Prometheus exporters name them. */
public final class AgentFlags {
  public static final Flag<String> LISTEN_ADDRESS =
      Flag.string(
          "web.listen-address",
          ":9101",
          "Address on which to expose metrics, health and readiness ([host]:port; ':9101' is every interface).");
  public static final Flag<String> TELEMETRY_PATH =
      Flag.string("web.telemetry-path", "/metrics", "Path under which to expose metrics.");
  public static final Flag<Path> PROCFS = Flag.path("path.procfs", "/proc", "procfs mountpoint.");
  public static final Flag<Path> SYSFS = Flag.path("path.sysfs", "/sys", "sysfs mountpoint.");
  public static final Flag<Path> ROOTFS =
      Flag.path("path.rootfs", "/", "rootfs mountpoint (the host's /).");
  public static final Flag<Path> CONFIG_FILE =
      Flag.path(
          "config.file",
          null,
          "YAML file with any of these flags as keys (without the dashes); the command line wins.");
  public static final Flag<String> LOG_LEVEL =
      Flag.oneOf(
          "log.level",
          "info",
          "Only log messages with the given severity or above.",
          "debug",
          "info",
          "warn",
          "error");
  public static final Flag<String> LOG_FORMAT =
      Flag.oneOf("log.format", "logfmt", "Output format of log messages.", "logfmt", "json");
  public static final Flag<Path> KUBECONFIG =
      Flag.path(
          "kubernetes.kubeconfig",
          null,
          "Kubeconfig file for API server access; default: in-cluster service account, else $KUBECONFIG.");
  public static final Flag<Boolean> KUBERNETES_WATCH_NODES =
      Flag.bool(
          "kubernetes.watch-nodes",
          true,
          "When flow attribution needs cluster metadata, also watch every Node (node IPs; zones from labels). "
              + "Costly above ~1,000 nodes (docs/design.md): without it, zones come from EndpointSlices and node IPs "
              + "stay unknown.");
  public static final Flag<Integer> SERIES_LIMIT =
      Flag.integer(
              "web.max-series-per-metric",
              100_000,
              "Safety cap on the series of any one metric; collectors bound their own cardinality well below it.")
          .requiring(limit -> limit > 0, "must be positive");

  /**
   * Below node_exporter's 40: client_java holds each scrape's whole body in the heap until the
   * scraper has taken it, and 40 slow scrapers of a large node would not fit the 128 MB heap of
   * agent/jvm.options.
   */
  public static final Flag<Integer> MAX_REQUESTS =
      Flag.integer(
              "web.max-requests",
              10,
              "Scrapes of the telemetry path served at once; further ones get 503 (0: no limit but the server's "
                  + AgentHttpServer.MAX_WORKERS
                  + " threads). Health and readiness probes are not counted against it.")
          .requiring(
              limit -> limit >= 0 && limit < AgentHttpServer.MAX_WORKERS,
              "must be between 0 and " + (AgentHttpServer.MAX_WORKERS - 1));

  public static final Flag<Path> POD_RESOURCES_SOCKET =
      Flag.path(
          "kubelet.pod-resources-socket",
          "/var/lib/kubelet/pod-resources/kubelet.sock",
          "kubelet PodResources API socket: which pod holds each GPU and Neuron core/device.");

  public static final List<Flag<?>> ALL =
      Stream.concat(
              Stream.of(
                  LISTEN_ADDRESS,
                  TELEMETRY_PATH,
                  PROCFS,
                  SYSFS,
                  ROOTFS,
                  CONFIG_FILE,
                  LOG_LEVEL,
                  LOG_FORMAT,
                  KUBECONFIG,
                  KUBERNETES_WATCH_NODES,
                  SERIES_LIMIT,
                  MAX_REQUESTS,
                  POD_RESOURCES_SOCKET),
              Stream.concat(CloudWatchFlags.ALL.stream(), HealthFlags.ALL.stream()))
          .toList();

  private AgentFlags() {}
}
