package dev.nodescope.collectors.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The stand-in libnvidia-ml.so.1 compiled from collectors/src/test/c/fake-libnvidia-ml.c, for a
 * process to load from LD_LIBRARY_PATH: two GPUs, an H100 in MIG mode with one 1g.10gb instance and
 * an L4 at 42 % utilization, and one XID event; with STUB_NVML_GPUS=n in the process's environment,
 * n GPUs (up to 8), every fourth one an H100 in MIG mode like GPU 0, the others L4s.
 */
public final class StubNvidiaDriver {
  public static final String L4_UUID = "GPU-99999999-8888-4777-8666-555555555555";
  public static final String MIG_UUID = "MIG-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

  private StubNvidiaDriver() {}

  /** Compiles the stand-in into {@code workDir}/driver and returns that directory. */
  public static Path compile(Path workDir) throws Exception {
    Capabilities.requireCommand("cc");
    // Tests run in their module's directory: collectors/ or agent/.
    Path source =
        Stream.of("src/test/c/fake-libnvidia-ml.c", "../collectors/src/test/c/fake-libnvidia-ml.c")
            .map(path -> Path.of(path).toAbsolutePath())
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("fake-libnvidia-ml.c not found"));
    Path driver = Files.createDirectories(workDir.resolve("driver"));
    Shell.output(
        "cc",
        "-shared",
        "-fPIC",
        "-o",
        driver.resolve("libnvidia-ml.so.1").toString(),
        source.toString());
    return driver;
  }
}
