package dev.nodescope.collectors.core;

import java.time.Duration;
import java.util.List;

/**
 * Everything the agent needs to know about a collector before creating it: its name (which becomes
 * {@code --collector.<name>}), its metrics (for exposition and the README) and its own flags.
 */
public interface CollectorFactory {
  CollectorInfo info();

  default String name() {
    return info().name();
  }

  default String description() {
    return info().description();
  }

  default boolean enabledByDefault() {
    return info().enabledByDefault();
  }

  default Duration defaultInterval() {
    return info().defaultInterval();
  }

  List<MetricDescriptor> descriptors();

  /** Flags of this collector beyond the enable switch and interval, named {@code --collector.<name>.*}. */
  default List<Flag<?>> flags() {
    return List.of();
  }

  /**
   * Whether this collector looks up peers beyond this node ({@link CollectorContext#cluster()}). The agent watches
   * nodes, Services and EndpointSlices cluster-wide only when an enabled collector says yes, since those watches
   * cost every API server; otherwise the context carries {@link ClusterDirectory#EMPTY}.
   */
  default boolean needsClusterDirectory() {
    return false;
  }

  /**
   * Opens the source. Throws {@link SourceUnavailableException} when the node simply lacks it; the agent tries
   * again later in case it appears (a driver installed after boot).
   */
  Collector create(CollectorContext context) throws Exception;
}
