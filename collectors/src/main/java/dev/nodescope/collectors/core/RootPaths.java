package dev.nodescope.collectors.core;

import java.nio.file.Path;

/**
 * The host trees the agent reads. In a container they are the host's /proc, /sys and / mounted
 * under /host; in tests they are fixture trees. No collector opens an absolute path of its own.
 */
public record RootPaths(Path procfs, Path sysfs, Path rootfs) {
  public static RootPaths host() {
    return new RootPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/"));
  }

  public Path proc(String relative) {
    return procfs.resolve(relative);
  }

  public Path sys(String relative) {
    return sysfs.resolve(relative);
  }

  /** A path of the host's root filesystem, such as a mount point read from /proc/mounts. */
  public Path root(String absolute) {
    return rootfs.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
  }
}
