package dev.nodescope.collectors.core;

import java.time.Duration;
import java.util.List;

/**
 * Everything the agent needs to know about a collector before creating it: its name (which becomes
 * {@code --collector.<name>}), its metrics (for exposition and docs/metrics.md) and its own flags.
 */
public abstract class CollectorFactory {
  private final CollectorInfo info;
  private final List<MetricDescriptor> descriptors;

  protected CollectorFactory(CollectorInfo info, List<MetricDescriptor> descriptors) {
    this.info = info;
    this.descriptors = List.copyOf(descriptors);
  }

  public final CollectorInfo info() {
    return info;
  }

  public final String name() {
    return info.name();
  }

  public final String description() {
    return info.description();
  }

  public final boolean enabledByDefault() {
    return info.enabledByDefault();
  }

  public final Duration defaultInterval() {
    return info.defaultInterval();
  }

  public final List<MetricDescriptor> descriptors() {
    return descriptors;
  }

  /**
   * Flags of this collector beyond the enable switch and interval, named {@code
   * --collector.<name>.*}.
   */
  public List<Flag<?>> flags() {
    return List.of();
  }

  /**
   * Whether this collector looks up peers beyond this node ({@link CollectorContext#cluster()}).
   * The agent watches nodes, Services and EndpointSlices cluster-wide only when an enabled
   * collector says yes, since those watches cost every API server; otherwise the context carries
   * {@link ClusterDirectory#EMPTY}.
   */
  public boolean needsClusterDirectory() {
    return false;
  }

  /**
   * Opens the source. Throws {@link SourceUnavailableException} when the node simply lacks it; the
   * agent tries again later in case it appears (a driver installed after boot).
   */
  public abstract Collector create(CollectorContext context) throws Exception;
}
