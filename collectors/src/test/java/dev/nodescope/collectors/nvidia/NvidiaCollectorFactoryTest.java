package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.podresources.PodResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class NvidiaCollectorFactoryTest {
  @Test
  void withoutDriverCreateReportsSourceUnavailableAndNoLinkageErrorEscapes() {
    assumeFalse(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1")), "this host has the driver");
    CollectorContext context =
        new CollectorContext(null, "node-a", null, null, null, PodResources.NONE, Clock.systemUTC());

    assertThatThrownBy(() -> new NvidiaCollectorFactory().create(context))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("NVML");
  }

  @Test
  void migProfileIsTheSuffixOfTheMigDeviceName() {
    assertThat(MigProfiles.fromDeviceName("NVIDIA H100 80GB HBM3 MIG 1g.10gb")).isEqualTo("1g.10gb");
    assertThat(MigProfiles.fromDeviceName("NVIDIA A100-SXM4-40GB MIG 3g.20gb")).isEqualTo("3g.20gb");
  }
}
