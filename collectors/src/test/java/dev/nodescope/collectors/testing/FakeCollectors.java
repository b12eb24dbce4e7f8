package dev.nodescope.collectors.testing;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Collectors made up for tests of the machinery around them (scheduling, exposition), not of a real
 * source.
 */
public final class FakeCollectors {
  private FakeCollectors() {}

  /** How a fake collector opens its source. */
  @FunctionalInterface
  public interface Opener {
    Collector open(CollectorContext context) throws Exception;
  }

  public static CollectorFactory factory(
      String name, List<MetricDescriptor> descriptors, Opener opener) {
    return new CollectorFactory(
        new CollectorInfo(name, Duration.ofSeconds(1), "a test collector"), descriptors) {
      @Override
      public Collector create(CollectorContext context) throws Exception {
        return opener.open(context);
      }
    };
  }

  public static CollectorContext context(RootPaths paths) {
    return new CollectorContext(
        paths,
        "test-node",
        null,
        PodDirectory.EMPTY,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }
}
