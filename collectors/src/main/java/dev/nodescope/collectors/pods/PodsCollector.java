package dev.nodescope.collectors.pods;

import static dev.nodescope.collectors.pods.PodsMetrics.*;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.host.NetDevStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One pass over the kubelet's pod cgroups. Every run lists the cgroups afresh, so a pod's series
 * end with its cgroup. A cgroup that vanishes while being read is simply gone; any other unreadable
 * or malformed file is a partial failure of that one value, and every other pod and value is still
 * published.
 */
final class PodsCollector implements Collector {
  private final RootPaths paths;
  private final CgroupReader cgroups;
  private final PodDirectory pods;

  PodsCollector(RootPaths paths, CgroupReader cgroups, PodDirectory pods) {
    this.paths = paths;
    this.cgroups = cgroups;
    this.pods = pods;
  }

  private interface Read<T> {
    T from(Path cgroup) throws IOException;
  }

  @Override
  public void collect(SnapshotBuilder out) throws IOException {
    String hostNetNamespace = netNamespace(paths.proc("1"));
    for (KubepodsTree.PodCgroup pod : KubepodsTree.scan(cgroups.hierarchy())) {
      Optional<PodInfo> info = pods.byUid(pod.uid());
      String namespace = info.map(PodInfo::namespace).orElse("");
      String name = info.map(PodInfo::name).orElse("");
      List<String> podLabels = List.of(namespace, name, pod.uid());
      readResources(out, pod.path(), POD, podLabels);
      if (!info.map(PodInfo::hostNetwork).orElse(false)) {
        readNetwork(out, pod, podLabels, hostNetNamespace);
      }
      for (KubepodsTree.ContainerCgroup container : pod.containers()) {
        containerName(info, container.id())
            .ifPresent(
                containerName ->
                    readResources(
                        out,
                        container.path(),
                        CONTAINER,
                        List.of(namespace, name, containerName, pod.uid())));
      }
    }
  }

  /**
   * The name from the pod's metadata. A cgroup the metadata does not list is the sandbox (pause)
   * container, or a container restarted since the metadata was last seen: its usage still counts in
   * the pod's. Without metadata the id stands in for the name, so that each container keeps its own
   * series.
   */
  private static Optional<String> containerName(Optional<PodInfo> info, String id) {
    if (info.isEmpty()) {
      return Optional.of(id);
    }
    return info.get().containers().stream()
        .filter(c -> c.id().equals(id))
        .map(PodInfo.ContainerInfo::name)
        .findFirst();
  }

  private void readResources(
      SnapshotBuilder out, Path cgroup, PodsMetrics.ResourceMetrics metrics, List<String> labels) {
    read(out, cgroup, "CPU usage", cgroups::cpuUsageSeconds)
        .ifPresent(seconds -> out.add(metrics.cpuUsage(), seconds, labels));
    read(out, cgroup, "memory working set", cgroups::memoryWorkingSetBytes)
        .ifPresent(bytes -> out.add(metrics.workingSet(), bytes, labels));
    read(out, cgroup, "CPU limit", cgroups::cpuLimitCores)
        .filter(OptionalDouble::isPresent)
        .ifPresent(cores -> out.add(metrics.cpuLimit(), cores.getAsDouble(), labels));
    read(out, cgroup, "memory limit", cgroups::memoryLimitBytes)
        .filter(OptionalLong::isPresent)
        .ifPresent(bytes -> out.add(metrics.memoryLimit(), bytes.getAsLong(), labels));
  }

  private <T> Optional<T> read(SnapshotBuilder out, Path cgroup, String what, Read<T> read) {
    try {
      return Optional.of(read.from(cgroup));
    } catch (NoSuchFileException e) {
      if (Files.isDirectory(cgroups.hierarchy().resolve(cgroup))) {
        out.partialFailure(
            "cannot read " + what + " of cgroup " + cgroup + ": missing " + e.getFile());
      }
      return Optional.empty(); // otherwise the cgroup went away with its pod or container
    } catch (IOException e) {
      out.partialFailure("cannot read " + what + " of cgroup " + cgroup + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Traffic of the pod's network namespace, seen through the first of its processes that is still
   * there. Under cgroup v2 only leaf cgroups hold processes, so the pod's own list is empty and its
   * containers' are not. A pod whose processes share the host's namespace (hostNetwork) has no
   * traffic of its own: the node collector reports the host's interfaces.
   */
  private void readNetwork(
      SnapshotBuilder out,
      KubepodsTree.PodCgroup pod,
      List<String> labels,
      String hostNetNamespace) {
    List<Path> cgroupsWithProcesses = new ArrayList<>();
    cgroupsWithProcesses.add(pod.path());
    pod.containers().forEach(container -> cgroupsWithProcesses.add(container.path()));
    for (Path cgroup : cgroupsWithProcesses) {
      for (long pid : read(out, cgroup, "processes", cgroups::pids).orElse(List.of())) {
        Path process = paths.proc(Long.toString(pid));
        if (hostNetNamespace != null && hostNetNamespace.equals(netNamespace(process))) {
          return;
        }
        try {
          addTraffic(out, labels, Files.readString(process.resolve("net/dev")));
          return;
        } catch (NoSuchFileException e) {
          // exited since cgroup.procs was read: the next process shares the namespace
        } catch (IOException e) {
          out.partialFailure(
              "cannot read network of pod " + pod.uid() + " through pid " + pid + ": " + e);
          return;
        }
      }
    }
  }

  private static void addTraffic(SnapshotBuilder out, List<String> labels, String netDev) {
    long receiveBytes = 0;
    long receivePackets = 0;
    long transmitBytes = 0;
    long transmitPackets = 0;
    for (NetDevStats device : NetDevStats.parse(netDev, out::partialFailure)) {
      if (!device.device().equals("lo")) {
        receiveBytes += device.receiveBytes();
        receivePackets += device.receivePackets();
        transmitBytes += device.transmitBytes();
        transmitPackets += device.transmitPackets();
      }
    }
    out.add(NETWORK_RECEIVE_BYTES, receiveBytes, labels);
    out.add(NETWORK_RECEIVE_PACKETS, receivePackets, labels);
    out.add(NETWORK_TRANSMIT_BYTES, transmitBytes, labels);
    out.add(NETWORK_TRANSMIT_PACKETS, transmitPackets, labels);
  }

  /**
   * The namespace identity ({@code net:[inode]}), or null when it cannot be read (no permission,
   * process gone).
   */
  private static String netNamespace(Path process) {
    try {
      return Files.readSymbolicLink(process.resolve("ns/net")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
