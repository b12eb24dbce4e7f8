package dev.nodescope.collectors.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A BPF filesystem a test mounts on a temporary directory of its own and always unmounts, which
 * frees every map pinned in it once no descriptor holds it. A shutdown hook unmounts it too when
 * the JVM is stopped before the test's close. Requires root and {@code mount} (see {@link
 * Capabilities}).
 */
public final class TestBpfFs implements AutoCloseable {
  private final Path root;
  private final Thread hook;
  private boolean mounted;

  private TestBpfFs(Path root) {
    this.root = root;
    this.hook = new Thread(this::unmountQuietly, "unmount " + root);
  }

  /** Mounts a fresh BPF filesystem on a temporary directory named after purpose. */
  public static TestBpfFs mount(String purpose) throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("mount");
    TestBpfFs fs = new TestBpfFs(Files.createTempDirectory(purpose + "-bpffs-"));
    Shell.sh("mount -t bpf bpf " + fs.root);
    fs.mounted = true;
    Runtime.getRuntime().addShutdownHook(fs.hook);
    return fs;
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() throws Exception {
    if (mounted) {
      Shell.sh("umount " + root);
      mounted = false;
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    Files.deleteIfExists(root);
  }

  private void unmountQuietly() {
    try {
      if (mounted) {
        new ProcessBuilder("umount", "-l", root.toString()).start().waitFor();
      }
    } catch (Exception e) {
      System.err.println("cannot unmount " + root + ": " + e);
    }
  }
}
