package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * net.netfilter.nf_conntrack_acct off is reported, and --collector.flows.enable-accounting turns it
 * on.
 */
class FlowsAccountingKernelTest {
  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsflows-acct");

  @BeforeAll
  static void createNamespace() throws Exception {
    Capabilities.requireCommand("sysctl");
    NETNS.run("sysctl -qw net.netfilter.nf_conntrack_acct=0");
  }

  @Test
  void reportsAccountingOffAndTurnsItOnWhenAsked() throws Exception {
    ExecutorService thread = NETNS.threads();
    try {
      double before = thread.submit(() -> accountingEnabled(false)).get(30, TimeUnit.SECONDS);
      assertThat(before).isZero();
      assertThat(sysctl()).isEqualTo("0");
      double after = thread.submit(() -> accountingEnabled(true)).get(30, TimeUnit.SECONDS);
      assertThat(after).isEqualTo(1);
      assertThat(sysctl()).isEqualTo("1");
    } finally {
      thread.shutdownNow();
    }
  }

  /**
   * What a collector created with the flag so set reports in
   * nodescope_conntrack_accounting_enabled.
   */
  private static double accountingEnabled(boolean enableAccounting) throws Exception {
    FlagValues flags =
        TestFlags.with(Map.of(FlowsCollectorFactory.ENABLE_ACCOUNTING, enableAccounting));
    CollectorContext context =
        new CollectorContext(
            RootPaths.host(),
            "node-a",
            flags,
            PodDirectory.EMPTY,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    try (Collector collector = new FlowsCollectorFactory().create(context)) {
      SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
      collector.collect(out);
      return out.build(Clock.systemUTC()).family(FlowsMetrics.ACCOUNTING).samples().get(0).value();
    }
  }

  private static String sysctl() throws Exception {
    return NETNS.output("sysctl", "-n", "net.netfilter.nf_conntrack_acct").trim();
  }
}
