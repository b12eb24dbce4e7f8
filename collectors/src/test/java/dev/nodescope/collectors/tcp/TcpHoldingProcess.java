package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.testing.TestFlags;
import java.time.Clock;

/**
 * A process that opens the tcp collector as the agent does (defaults: the host's cgroup v2 root),
 * prints "loaded" and waits to be killed: {@link TcpTeardownKernelTest} kills it with SIGKILL.
 */
public final class TcpHoldingProcess {
  private TcpHoldingProcess() {}

  public static void main(String[] args) throws Exception {
    CollectorContext context =
        new CollectorContext(
            RootPaths.host(),
            "node-a",
            TestFlags.DEFAULTS,
            PodDirectory.EMPTY,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    Collector collector = new TcpCollectorFactory().create(context);
    System.out.println("loaded " + collector.getClass().getSimpleName());
    System.out.flush();
    Thread.sleep(120_000);
  }
}
