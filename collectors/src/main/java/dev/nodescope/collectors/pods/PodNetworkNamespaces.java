package dev.nodescope.collectors.pods;

import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which pod owns each network namespace on this node, for sources that see a namespace only by its
 * inode (the kernel's {@code ns.inum}, as in {@code /proc/PID/ns/net -> net:[INODE]}), such as the
 * eBPF drop counter. A pod's namespace is that of the first process still running in its cgroups;
 * pods that share the host's namespace (hostNetwork) have none of their own and are left out.
 */
public final class PodNetworkNamespaces {
  private static final Pattern NET_LINK = Pattern.compile("net:\\[(\\d+)\\]");

  private final RootPaths paths;
  private final CgroupReader cgroups;

  private PodNetworkNamespaces(RootPaths paths, CgroupReader cgroups) {
    this.paths = paths;
    this.cgroups = cgroups;
  }

  /** Finds the pods through the kubelet's cgroups under {@code /sys/fs/cgroup}. */
  public static PodNetworkNamespaces open(RootPaths paths) throws SourceUnavailableException {
    return new PodNetworkNamespaces(paths, CgroupReader.detect(paths.sys("fs/cgroup")));
  }

  /** Pod UIDs by network namespace inode; empty when no kubelet runs here. */
  public Map<Long, String> podUidsByInode() throws IOException {
    OptionalLong host = hostInode();
    Map<Long, String> pods = new HashMap<>();
    for (KubepodsTree.PodCgroup pod : KubepodsTree.scan(cgroups.hierarchy())) {
      List<Path> withProcesses = new ArrayList<>();
      withProcesses.add(pod.path());
      pod.containers().forEach(container -> withProcesses.add(container.path()));
      find:
      for (Path cgroup : withProcesses) {
        for (long pid : pidsOrNone(cgroup)) {
          OptionalLong inode = inode(paths.proc(Long.toString(pid)));
          if (inode.isPresent()) {
            if (!inode.equals(host)) {
              pods.put(inode.getAsLong(), pod.uid());
            }
            break find;
          }
        }
      }
    }
    return pods;
  }

  /**
   * The host's network namespace: process 1's, or where that link cannot be read (reading it needs
   * ptrace access to process 1, which a container without CAP_SYS_PTRACE lacks) the agent's own,
   * since the agent runs on the host's network.
   */
  private OptionalLong hostInode() {
    OptionalLong init = inode(paths.proc("1"));
    return init.isPresent() ? init : inode(paths.proc("self"));
  }

  /** The processes of a cgroup; none when it went away with its pod or container. */
  private List<Long> pidsOrNone(Path cgroup) {
    try {
      return cgroups.pids(cgroup);
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * The inode of a process's network namespace; empty when it has exited (or is not ours to see).
   */
  private static OptionalLong inode(Path process) {
    try {
      Matcher link = NET_LINK.matcher(Files.readSymbolicLink(process.resolve("ns/net")).toString());
      return link.matches() ? OptionalLong.of(Long.parseLong(link.group(1))) : OptionalLong.empty();
    } catch (IOException | UnsupportedOperationException e) {
      return OptionalLong.empty();
    }
  }
}
