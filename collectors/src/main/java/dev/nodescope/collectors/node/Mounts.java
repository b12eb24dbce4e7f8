package dev.nodescope.collectors.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** The filesystems worth reporting, from a {@code /proc/<pid>/mounts} table. */
final class Mounts {
  /**
   * node_exporter's default --collector.filesystem.fs-types-exclude: kernel and image filesystems.
   */
  static final Set<String> PSEUDO_FILESYSTEMS =
      Set.of(
          "autofs",
          "binfmt_misc",
          "bpf",
          "cgroup",
          "cgroup2",
          "configfs",
          "debugfs",
          "devpts",
          "devtmpfs",
          "fusectl",
          "hugetlbfs",
          "iso9660",
          "mqueue",
          "nsfs",
          "overlay",
          "proc",
          "procfs",
          "pstore",
          "rpc_pipefs",
          "securityfs",
          "selinuxfs",
          "squashfs",
          "erofs",
          "sysfs",
          "tracefs");

  /**
   * node_exporter's default --collector.filesystem.mount-points-exclude, plus what a Kubernetes
   * node mounts per pod and per container (volumes under /var/lib/kubelet, container rootfs under
   * /run/containerd): thousands of series that repeat the node's disks.
   */
  static final Pattern EXCLUDED_MOUNT_POINTS =
      Pattern.compile(
          "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+|var/lib/kubelet/.+"
              + "|run/containerd/.+)($|/)");

  record Mount(String device, String mountPoint, String fsType) {}

  private Mounts() {}

  /** The mounts to report, one per mount point (the last mount over a point is the visible one). */
  static List<Mount> reportable(String table, Consumer<String> malformed) {
    Map<String, Mount> byMountPoint = new LinkedHashMap<>();
    for (String line : table.split("\n", -1)) {
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.trim().split("\\s+", -1);
      if (fields.length < 3) {
        malformed.accept("malformed mounts line: " + line);
        continue;
      }
      Mount mount = new Mount(unescape(fields[0]), unescape(fields[1]), fields[2]);
      if (PSEUDO_FILESYSTEMS.contains(mount.fsType())
          || EXCLUDED_MOUNT_POINTS.matcher(mount.mountPoint()).find()) {
        byMountPoint.remove(mount.mountPoint());
        continue;
      }
      byMountPoint.remove(mount.mountPoint());
      byMountPoint.put(mount.mountPoint(), mount);
    }
    return new ArrayList<>(byMountPoint.values());
  }

  /**
   * The kernel writes space, tab, newline and backslash in mount fields as three-digit octal
   * escapes.
   */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String field, int from) {
    if (from + 3 > field.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (field.charAt(i) < '0' || field.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
