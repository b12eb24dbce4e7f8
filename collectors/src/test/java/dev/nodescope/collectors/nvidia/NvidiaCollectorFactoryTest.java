package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.Capabilities;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class NvidiaCollectorFactoryTest {
  @Test
  void withoutDriverCreateReportsSourceUnavailableAndNoLinkageErrorEscapes() {
    Capabilities.requireNoNvidiaDriver();
    CollectorContext context =
        new CollectorContext(
            null, "node-a", null, null, null, PodResources.NONE, Clock.systemUTC());

    assertThatThrownBy(() -> new NvidiaCollectorFactory().create(context))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("NVML");
  }

  @Test
  void migProfileIsTheSuffixOfTheMigDeviceName() {
    assertThat(MigProfiles.fromDeviceName("NVIDIA H100 80GB HBM3 MIG 1g.10gb"))
        .isEqualTo("1g.10gb");
    assertThat(MigProfiles.fromDeviceName("NVIDIA A100-SXM4-40GB MIG 3g.20gb"))
        .isEqualTo("3g.20gb");
  }
}
