package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.Btf;
import dev.nodescope.collectors.bpf.PerCpuCounters;
import dev.nodescope.collectors.bpf.TracingObject;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The kernel-drop part of the {@code tcp} collector: packets the kernel dropped, by the kernel's
 * own drop reason, for the node and for each pod whose network namespace the drop happened in. The
 * eBPF program ({@code drops.bpf.c}, on {@code skb:kfree_skb}) counts in per-CPU maps; each {@link
 * #collect} reads them in batches and names the reasons from the kernel's BTF. It needs the
 * tracepoint's {@code reason} argument (kernel 5.17+) and kernel BTF; without them the part is
 * unavailable with the reason, and the rest of the collector carries on.
 */
public final class TcpDrops implements AutoCloseable {
  static final String OBJECT = "/dev/nodescope/collectors/bpf/drops.bpf.o";
  static final String PROGRAM = "count_drop";
  private static final int DROP_KEY_SIZE = 8;

  /**
   * The pods on this node by the inode of their own network namespace (hostNetwork pods have none).
   */
  public interface PodsByNetNamespace {
    Map<Long, PodInfo> read() throws IOException;
  }

  private final TracingObject object;
  private final DropReasons reasons;
  private final PodsByNetNamespace pods;
  private final PerCpuCounters byReason;
  private final PerCpuCounters byNetNamespace;
  private final PerCpuCounters uncounted;

  private TcpDrops(TracingObject object, DropReasons reasons, PodsByNetNamespace pods)
      throws IOException {
    this.object = object;
    this.reasons = reasons;
    this.pods = pods;
    this.byReason = new PerCpuCounters(object.mapFd("drops_by_reason"), Integer.BYTES);
    this.byNetNamespace = new PerCpuCounters(object.mapFd("drops_by_netns"), DROP_KEY_SIZE);
    this.uncounted = new PerCpuCounters(object.mapFd("drops_uncounted"), Integer.BYTES);
  }

  /**
   * Loads and attaches the drop counter.
   *
   * @param btf the running kernel's BTF ({@link Btf#KERNEL})
   * @throws SourceUnavailableException when the kernel has no BTF, no drop reasons (before 5.17),
   *     or refuses the program (no CAP_BPF and CAP_PERFMON)
   */
  public static TcpDrops open(Path btf, PodsByNetNamespace pods) throws SourceUnavailableException {
    Optional<DropReasons> reasons;
    try {
      reasons = DropReasons.of(Btf.read(btf));
    } catch (IOException e) {
      throw new SourceUnavailableException("drops: no kernel BTF: " + e.getMessage());
    }
    if (reasons.isEmpty()) {
      throw new SourceUnavailableException(
          "drops: the kernel has no drop reasons (no enum "
              + DropReasons.ENUM
              + " in "
              + btf
              + "; skb:kfree_skb has a reason from kernel 5.17)");
    }
    TracingObject object;
    try {
      object = TracingObject.load(OBJECT, PROGRAM);
    } catch (IOException e) {
      throw new SourceUnavailableException(
          "drops: cannot load the drop counter: " + e.getMessage());
    }
    try {
      return new TcpDrops(object, reasons.get(), pods);
    } catch (IOException e) {
      object.close();
      throw new SourceUnavailableException("drops: " + e.getMessage());
    }
  }

  /** Adds the node's drops by reason, each pod's drops by reason, and the uncounted drops. */
  public void collect(SnapshotBuilder out) throws IOException {
    Map<String, Long> node = new TreeMap<>();
    byReason.forEach(
        (key, sum) ->
            node.merge(reasons.name(Integer.toUnsignedLong(key.getInt(0))), sum, Long::sum));
    node.forEach((reason, count) -> out.add(DropsMetrics.PACKET_DROPS, count, reason));

    Map<Long, PodInfo> podsByNetNamespace = pods.read();
    Map<List<String>, Long> perPod = new TreeMap<>(TcpDrops::compareLabels);
    byNetNamespace.forEach(
        (key, sum) -> {
          PodInfo pod = podsByNetNamespace.get(Integer.toUnsignedLong(key.getInt(4)));
          if (pod != null) {
            String reason = reasons.name(Integer.toUnsignedLong(key.getInt(0)));
            perPod.merge(List.of(pod.namespace(), pod.name(), reason), sum, Long::sum);
          }
        });
    perPod.forEach((labels, count) -> out.add(DropsMetrics.POD_PACKET_DROPS, count, labels));
    out.add(DropsMetrics.UNCOUNTED_DROPS, uncounted.sum(0));
  }

  private static int compareLabels(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int order = a.get(i).compareTo(b.get(i));
      if (order != 0) {
        return order;
      }
    }
    return 0;
  }

  /** Detaches the program and frees its maps. */
  @Override
  public void close() {
    object.close();
  }
}
