package dev.nodescope.collectors.node;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import java.time.Duration;

/**
 * The node's CPU, memory, load, uptime, network interfaces and filesystems, read from the host's
 * /proc and /sys.
 */
public final class NodeCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "node",
          Duration.ofSeconds(15),
          "CPU, memory, load, uptime, network interfaces and filesystems of the node.");

  public NodeCollectorFactory() {
    super(INFO, NodeMetrics.ALL);
  }

  @Override
  public Collector create(CollectorContext context) {
    OshiRoot.bind(context.paths());
    return new NodeCollector(context.paths(), FileSystemUsage.FILE_STORE);
  }
}
