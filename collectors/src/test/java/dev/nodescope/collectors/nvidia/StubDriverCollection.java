package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.nio.file.Path;
import java.time.Clock;

/**
 * For BytedecoNvmlStubDriverTest's child JVM: the collector as the agent creates it, two
 * collections 1.5 s apart (GPM needs two samples; the XID thread needs time to take its event), the
 * second printed as "name{label=value,…} value" lines, then closed as the agent closes it.
 * Argument: the procfs root.
 */
public final class StubDriverCollection {
  private StubDriverCollection() {}

  public static void main(String[] args) throws Exception {
    Path procfs = Path.of(args[0]);
    CollectorContext context =
        new CollectorContext(
            new RootPaths(procfs, procfs, procfs),
            "stub-node",
            null,
            PodDirectory.EMPTY,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    Collector collector = new NvidiaCollectorFactory().create(context);
    collector.collect(new SnapshotBuilder("nvidia", NvidiaMetrics.ALL));
    Thread.sleep(1500);
    SnapshotBuilder out = new SnapshotBuilder("nvidia", NvidiaMetrics.ALL);
    collector.collect(out);
    out.build(Clock.systemUTC())
        .families()
        .forEach(
            (name, family) ->
                family
                    .samples()
                    .forEach(
                        sample -> {
                          StringBuilder line = new StringBuilder(name).append('{');
                          for (int i = 0; i < sample.labelValues().size(); i++) {
                            line.append(i == 0 ? "" : ",")
                                .append(family.descriptor().labelNames().get(i))
                                .append('=')
                                .append(sample.labelValues().get(i));
                          }
                          System.out.println(line.append("} ").append(sample.value()));
                        }));
    out.partialFailures().forEach(failure -> System.out.println("partial failure: " + failure));
    collector.close();
  }
}
