package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfObject;
import dev.nodescope.collectors.bpf.Btf;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Packets the kernel dropped, by the kernel's own drop reason, for the node and for each pod whose
 * network namespace the drop happened in. drops.bpf.o, on the {@code skb:kfree_skb} tracepoint,
 * counts in per-CPU maps; each {@link #collect} reads them in batches and names the reasons from
 * the kernel's BTF. It needs the tracepoint's {@code reason} (kernel 5.17+); without it the part is
 * unavailable with that reason and the other parts carry on.
 */
final class DropsPart implements TcpPart {
  static final String NAME = "drops";
  static final String OBJECT = "drops.bpf.o";
  static final String PROGRAM = "nodescope_drops";
  static final String BY_REASON = "drops_by_reason";
  static final String BY_NETNS = "drops_by_netns";
  static final String UNCOUNTED = "drops_uncounted";

  /**
   * The pods on this node by the inode of their own network namespace (hostNetwork pods have none).
   */
  @FunctionalInterface
  interface PodsByNetNamespace {
    Map<Long, PodInfo> read() throws IOException;
  }

  private static final Comparator<List<String>> LABEL_ORDER =
      (a, b) -> String.join("\0", a).compareTo(String.join("\0", b));

  private final BpfObject object;
  private final DropReasons reasons;
  private final PodsByNetNamespace pods;
  private final BpfMap byReason;
  private final BpfMap byNetNamespace;
  private final BpfMap uncounted;

  private DropsPart(BpfObject object, DropReasons reasons, PodsByNetNamespace pods)
      throws BpfException {
    this.object = object;
    this.reasons = reasons;
    this.pods = pods;
    this.byReason = object.map(BY_REASON);
    this.byNetNamespace = object.map(BY_NETNS);
    this.uncounted = object.map(UNCOUNTED);
  }

  /**
   * Loads drops.bpf.o and attaches its program to skb:kfree_skb.
   *
   * @throws SourceUnavailableException when the kernel's BTF has no drop reasons (before 5.17) or
   *     the kernel refuses the program (no CAP_BPF and CAP_PERFMON)
   */
  static DropsPart load(byte[] elf, Path kernelBtf, PodsByNetNamespace pods)
      throws SourceUnavailableException, IOException {
    Optional<DropReasons> reasons = DropReasons.of(Btf.read(kernelBtf));
    if (reasons.isEmpty()) {
      throw new SourceUnavailableException(
          "the kernel has no drop reasons (no enum "
              + DropReasons.ENUM
              + " in "
              + kernelBtf
              + "; skb:kfree_skb carries a reason from kernel 5.17)");
    }
    BpfObject object;
    try {
      object = BpfObject.load(NAME, elf, kernelBtf, Map.of());
    } catch (BpfException e) {
      throw TcpPart.unavailable(e);
    }
    try {
      object.attach(PROGRAM, "tp_btf", "skb:kfree_skb");
      return new DropsPart(object, reasons.get(), pods);
    } catch (BpfException e) {
      object.close();
      throw TcpPart.unavailable(e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void collect(SnapshotBuilder out) throws IOException {
    Map<String, Long> node = new TreeMap<>();
    int reasonEntries =
        byReason.forEachSummedOverCpus(
            (key, sum) -> node.merge(reason(key.getInt(0)), sum, Long::sum));
    node.forEach((reason, count) -> out.add(TcpMetrics.PACKET_DROPS, count, reason));

    Map<Long, PodInfo> podsByNetNamespace = pods.read();
    Map<List<String>, Long> perPod = new TreeMap<>(LABEL_ORDER);
    List<byte[]> notPods = new ArrayList<>();
    int netnsEntries =
        byNetNamespace.forEachSummedOverCpus(
            (key, sum) -> {
              PodInfo pod = podsByNetNamespace.get(Integer.toUnsignedLong(key.getInt(4)));
              if (pod != null) {
                perPod.merge(
                    List.of(pod.namespace(), pod.name(), reason(key.getInt(0))), sum, Long::sum);
              } else {
                notPods.add(key.array().clone());
              }
            });
    perPod.forEach((labels, count) -> out.add(TcpMetrics.POD_PACKET_DROPS, count, labels));
    // The kernel reuses a freed namespace's inode number: counts of a namespace that is no pod's
    // (the host's, or a pod's that has gone) must not reach the next pod to get that number.
    for (byte[] key : notPods) {
      byNetNamespace.delete(key);
    }

    out.add(TcpMetrics.MAP_ENTRIES, reasonEntries, BY_REASON);
    out.add(TcpMetrics.MAP_ENTRIES, netnsEntries, BY_NETNS);
    out.add(TcpMetrics.MAP_CAPACITY, byReason.capacity(), BY_REASON);
    out.add(TcpMetrics.MAP_CAPACITY, byNetNamespace.capacity(), BY_NETNS);
    out.add(TcpMetrics.INSERT_FAILURES, uncounted.sumPerCpu(0), BY_REASON);
    TcpPart.exportPrograms(out, NAME, object);
  }

  private String reason(int value) {
    return reasons.name(Integer.toUnsignedLong(value));
  }

  @Override
  public void close() {
    object.close();
  }
}
