package dev.nodescope.collectors.ena;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.time.Duration;

/**
 * AWS ENA allowance counters: whether the instance's network limits are shaping or dropping
 * traffic.
 */
public final class EnaCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "ena",
          Duration.ofSeconds(15),
          "AWS ENA network allowance counters (ETHTOOL_GSTATS of interfaces driven by ena).");
  static final String ENA_DRIVER = "ena";

  public EnaCollectorFactory() {
    super(INFO, EnaMetrics.ALL);
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    if (EnaCollector.interfaces(context.paths(), ENA_DRIVER).isEmpty()) {
      throw new SourceUnavailableException(
          "no network interface driven by "
              + ENA_DRIVER
              + " under "
              + context.paths().sys("class/net"));
    }
    return new EnaCollector(context.paths(), new IoctlEthtool(), ENA_DRIVER);
  }
}
