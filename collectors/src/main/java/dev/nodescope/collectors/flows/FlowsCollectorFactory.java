package dev.nodescope.collectors.flows;

import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.conntrack.CiliumConntrackSource;
import dev.nodescope.collectors.conntrack.CiliumCtLayout;
import dev.nodescope.collectors.conntrack.NetlinkConntrackSource;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.kubernetes.KubernetesMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod network flows from the node's connection table: netfilter's conntrack (ctnetlink dump plus
 * NEW/DESTROY events) or Cilium's conntrack eBPF maps.
 */
public final class FlowsCollectorFactory extends CollectorFactory {
  private static final Logger LOG = LoggerFactory.getLogger(FlowsCollectorFactory.class);
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "flows",
          Duration.ofSeconds(10),
          "pod network flows from conntrack, attributed to pods, Services and zones.");

  static final Flag<Boolean> ENABLE_ACCOUNTING =
      Flag.bool(
          "collector.flows.enable-accounting",
          false,
          "Set net.netfilter.nf_conntrack_acct=1 at start so byte and packet counters exist.");

  static final Flag<String> SOURCE_FLAG =
      Flag.oneOf(
          "collector.flows.source",
          "auto",
          "Which connection table to read: netfilter's conntrack, Cilium's conntrack eBPF maps, or auto (Cilium's when "
              + "its maps are pinned under --collector.flows.cilium-bpf-path, else netfilter's).",
          "auto",
          "netfilter",
          "cilium");

  static final Flag<Path> CILIUM_DIRECTORY =
      Flag.path(
          "collector.flows.cilium-bpf-path",
          CiliumConntrackSource.DEFAULT_DIRECTORY,
          "Directory of the BPF filesystem where Cilium pins its global conntrack maps.");

  static final Flag<String> CILIUM_VERSION =
      Flag.string(
              "collector.flows.cilium-version",
              "auto",
              "Cilium version whose conntrack layout to decode (1.16 and later differ from earlier ones), or auto: "
                  + "from the image of the cilium-agent pod on this node, through the API.")
          .requiring(
              version -> version.equals("auto") || CiliumCtLayout.forVersion(version).isPresent(),
              "must be auto or a Cilium version from 1.10, such as 1.16");

  public FlowsCollectorFactory() {
    super(INFO, FlowsMetrics.ALL);
  }

  /**
   * Remote peers (Services, pods and nodes elsewhere, zones) are attributed through the cluster
   * directory.
   */
  @Override
  public boolean needsClusterDirectory() {
    return true;
  }

  @Override
  public List<Flag<?>> flags() {
    return List.of(
        SeriesAdmission.MAX_SERIES,
        ENABLE_ACCOUNTING,
        SOURCE_FLAG,
        CILIUM_DIRECTORY,
        CILIUM_VERSION);
  }

  /**
   * Cilium's maps when asked for, or in auto mode when they are pinned: then netfilter's table is
   * not read at all, so a connection both tables track is counted once. Otherwise netfilter's.
   */
  @Override
  public Collector create(CollectorContext context) throws Exception {
    String source = context.flags().get(SOURCE_FLAG);
    Path ciliumDirectory = context.flags().get(CILIUM_DIRECTORY);
    if (source.equals("cilium")
        || (source.equals("auto") && CiliumConntrackSource.pinnedIn(ciliumDirectory))) {
      CiliumCtLayout layout = ciliumLayout(context);
      try {
        CiliumConntrackSource cilium = CiliumConntrackSource.open(ciliumDirectory, layout);
        LOG.info(
            "flows: reading Cilium's conntrack maps in {} (layout of Cilium {}); netfilter's conntrack "
                + "table is not read, so nothing is counted twice",
            ciliumDirectory,
            layout.version());
        return new FlowsCollector(context, cilium);
      } catch (IOException | LinkageError e) {
        throw new SourceUnavailableException(
            "Cilium conntrack maps unavailable: " + e.getMessage(), e);
      }
    }
    try {
      return new FlowsCollector(
          context, context.flags().get(ENABLE_ACCOUNTING), NetlinkConntrackSource::open);
    } catch (IOException e) {
      throw new SourceUnavailableException("conntrack unavailable: " + e.getMessage(), e);
    }
  }

  /**
   * The layout the flag names, or the one of the Cilium version the cilium-agent pod on this node
   * runs; never a guess: without a version the source is unavailable, and the message says how to
   * give one.
   */
  static CiliumCtLayout ciliumLayout(CollectorContext context) throws SourceUnavailableException {
    String flag = context.flags().get(CILIUM_VERSION);
    if (!flag.equals("auto")) {
      return CiliumCtLayout.forVersion(flag).orElseThrow();
    }
    String hint =
        ": Cilium's conntrack layout depends on its version, so Cilium's maps are not read; set --"
            + CILIUM_VERSION.name();
    Optional<String> image;
    try {
      image =
          KubernetesMetadata.containerImageOnNode(
              context.pods(), "k8s-app", "cilium", "cilium-agent");
    } catch (IOException e) {
      throw new SourceUnavailableException(
          "the Cilium version cannot be read from the API (" + e.getMessage() + ")" + hint);
    }
    if (image.isEmpty()) {
      throw new SourceUnavailableException(
          "no cilium-agent pod (label k8s-app=cilium) on this node through the API, or no API access"
              + hint);
    }
    Optional<String> version = CiliumCtLayout.versionOfImage(image.get());
    if (version.isEmpty()) {
      throw new SourceUnavailableException(
          "the cilium-agent image " + image.get() + " names no version" + hint);
    }
    CiliumCtLayout layout =
        CiliumCtLayout.forVersion(version.get())
            .orElseThrow(
                () ->
                    new SourceUnavailableException(
                        "Cilium "
                            + version.get()
                            + " has a conntrack layout Nodescope does not know"
                            + hint));
    LOG.info("flows: Cilium {} on this node (image {})", version.get(), image.get());
    return layout;
  }
}
