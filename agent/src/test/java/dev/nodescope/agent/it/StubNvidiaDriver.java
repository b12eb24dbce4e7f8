package dev.nodescope.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The stand-in libnvidia-ml.so.1 of the collectors' tests (two GPUs: an H100 in MIG mode with one
 * 1g.10gb instance, and an L4 at 42 % utilization; one XID event), compiled for the fat jar to load
 * from LD_LIBRARY_PATH.
 */
final class StubNvidiaDriver {
  static final String L4_UUID = "GPU-99999999-8888-4777-8666-555555555555";
  static final String MIG_UUID = "MIG-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  private static final Path SOURCE =
      Path.of("../collectors/src/test/c/fake-libnvidia-ml.c").toAbsolutePath();

  private StubNvidiaDriver() {}

  /** Compiles the stand-in into {@code workDir}/driver and returns that directory. */
  static Path compile(Path workDir) throws IOException, InterruptedException {
    Capabilities.requireCommand("cc");
    Path driver = Files.createDirectories(workDir.resolve("driver"));
    Processes.Result compiled =
        Processes.run(
            List.of(
                "cc",
                "-shared",
                "-fPIC",
                "-o",
                driver.resolve("libnvidia-ml.so.1").toString(),
                SOURCE.toString()),
            new byte[0],
            Duration.ofSeconds(60));
    assertThat(compiled.exitCode()).as(compiled.output()).isZero();
    return driver;
  }
}
